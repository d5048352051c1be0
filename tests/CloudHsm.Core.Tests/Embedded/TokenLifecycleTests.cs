using CloudHsm.Core.Embedded;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Embedded;

/// <summary>Slots, C_InitToken on new and existing tokens, and slot events.</summary>
[TestFixture]
public sealed class TokenLifecycleTests : EmbeddedBackendFixture
{
    [Test]
    public void InitialisedTokensComeFirstAndAnUninitialisedSlotIsAlwaysOffered()
    {
        var slots = Backend.GetSlotList(true);
        Assert.That(slots, Has.Count.EqualTo(2));
        Assert.That(slots[0], Is.EqualTo(SlotId));
        Assert.That(Backend.GetTokenInfo(slots[0]).Flags & CKF.CKF_TOKEN_INITIALIZED, Is.Not.Zero);
        Assert.That(Backend.GetTokenInfo(slots[1]).Flags & CKF.CKF_TOKEN_INITIALIZED, Is.Zero);
        Assert.That(Rv(() => Backend.OpenSession(slots[1], CKF.CKF_SERIAL_SESSION)), Is.EqualTo(CKR.CKR_TOKEN_NOT_RECOGNIZED));
        Assert.That(Rv(() => Backend.GetSlotInfo(12345)), Is.EqualTo(CKR.CKR_SLOT_ID_INVALID));
    }

    [Test]
    public void SlotIdsAreTheSameInAnotherProcessView()
    {
        var other = EmbeddedBackend.Open(Config, Directory);
        try
        {
            Assert.That(other.GetSlotList(true)[0], Is.EqualTo(SlotId));
            Assert.That(other.GetTokenInfo(SlotId).SerialNumber, Is.EqualTo(Backend.GetTokenInfo(SlotId).SerialNumber));
        }
        finally
        {
            other.Dispose();
        }
    }

    [Test]
    public void ReinitialisingWipesObjectsAndNeedsTheSoPin()
    {
        ulong rw = OpenRw();
        Backend.CreateObject(rw, DataObject("doomed", token: true));
        Backend.CloseSession(rw);
        Assert.That(Rv(() => Backend.InitToken(SlotId, "wrong-so-pin"u8, Label("x"))), Is.EqualTo(CKR.CKR_PIN_INCORRECT));
        Backend.InitToken(SlotId, SoPin, Label("fresh"));
        var info = Backend.GetTokenInfo(SlotId);
        Assert.That(System.Text.Encoding.UTF8.GetString(info.Label).TrimEnd(), Is.EqualTo("fresh"));
        Assert.That(info.Flags & CKF.CKF_USER_PIN_INITIALIZED, Is.Zero, "the user PIN goes with the old token");
        rw = OpenRw();
        Assert.That(FindAll(rw, ByLabel("doomed")), Is.Empty);
    }

    [Test]
    public void InitialisingTheFreeSlotRaisesASlotEvent()
    {
        Assert.That(Backend.WaitForSlotEvent(dontBlock: true), Is.EqualTo(SlotId), "the set-up initialised it");
        Assert.That(Rv(() => Backend.WaitForSlotEvent(dontBlock: true)), Is.EqualTo(CKR.CKR_NO_EVENT));
        ulong free = Backend.GetSlotList(true)[1];
        Backend.InitToken(free, SoPin, Label("second"));
        Assert.That(Backend.WaitForSlotEvent(dontBlock: true), Is.EqualTo(free));
        Assert.That(Backend.GetSlotList(true), Has.Count.EqualTo(3));
    }

    [Test]
    public void FinalizeReleasesABlockedWaiter()
    {
        Backend.WaitForSlotEvent(dontBlock: true);
        Errors.CkrException? caught = null;
        var waiter = new Thread(() =>
        {
            try { Backend.WaitForSlotEvent(dontBlock: false); }
            catch (Errors.CkrException e) { caught = e; }
        });
        waiter.Start();
        Thread.Sleep(100);
        Backend.Dispose();
        Assert.That(waiter.Join(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(caught?.Rv, Is.EqualTo(CKR.CKR_CRYPTOKI_NOT_INITIALIZED));
    }
}
