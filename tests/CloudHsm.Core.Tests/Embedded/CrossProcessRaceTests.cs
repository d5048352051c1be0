using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Embedded;
using CloudHsm.Core.Storage;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Embedded;

/// <summary>
/// Another process commits between this process's refresh and its write — the window no lock in this
/// process can close. The directory below runs "the other process" at exactly that moment, so the races
/// are deterministic: a change must not bring a destroyed object back, and a destroy that lost the race
/// must say so.
/// </summary>
public sealed class CrossProcessRaceTests : EmbeddedBackendFixture
{
    [Test]
    public void SetAttributeValue_AfterAnotherProcessDestroyedTheObject_DoesNotResurrectIt()
    {
        var (racing, mine, handle, other, theirs, theirHandle) = TwoProcessesSeeingOneTokenObject();
        try
        {
            racing.BeforeNextWrite = () => other.DestroyObject(theirs, theirHandle);

            var rename = new Template([TemplateAttribute.Utf8(CKA.CKA_LABEL, "renamed")]);
            Assert.That(Rv(() => Backend.SetAttributeValue(mine, handle, rename)), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID));

            Assert.That(Directory.Open(Serial()).LoadObjects(), Is.Empty, "the store still has no such object");
            Assert.That(FindAll(mine, ByLabel("contested")), Is.Empty);
            Assert.That(FindAll(mine, ByLabel("renamed")), Is.Empty);
        }
        finally
        {
            other.Dispose();
        }
    }

    [Test]
    public void DestroyObject_AfterAnotherProcessDestroyedIt_ReportsTheHandleInvalid()
    {
        var (racing, mine, handle, other, theirs, theirHandle) = TwoProcessesSeeingOneTokenObject();
        try
        {
            racing.BeforeNextWrite = () => other.DestroyObject(theirs, theirHandle);

            Assert.That(Rv(() => Backend.DestroyObject(mine, handle)), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID));

            Assert.That(Rv(() => Backend.GetObjectSize(mine, handle)), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID));
            Assert.That(Directory.Open(Serial()).LoadObjects(), Is.Empty);
        }
        finally
        {
            other.Dispose();
        }
    }

    private (RaceWindowDirectory Racing, ulong Mine, ulong Handle, ICryptokiBackend Other, ulong Theirs, ulong TheirHandle)
        TwoProcessesSeeingOneTokenObject()
    {
        var racing = new RaceWindowDirectory(Directory);
        Backend.Dispose();
        ReplaceBackend(EmbeddedBackend.Open(Config, racing));
        var other = EmbeddedBackend.Open(Config, Directory);
        ulong mine = OpenRw();
        ulong handle = Backend.CreateObject(mine, DataObject("contested", token: true));
        ulong theirs = other.OpenSession(other.GetSlotList(true)[0], CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION);
        ulong theirHandle = FindIn(other, theirs, "contested");
        Assert.That(FindAll(mine, ByLabel("contested")), Is.EqualTo(new[] { handle }), "both see it before the race");
        return (racing, mine, handle, other, theirs, theirHandle);
    }

    private static ulong FindIn(ICryptokiBackend backend, ulong session, string label)
    {
        backend.FindObjectsInit(session, ByLabel(label));
        var found = new ulong[2];
        int n = backend.FindObjects(session, found);
        backend.FindObjectsFinal(session);
        Assert.That(n, Is.EqualTo(1));
        return found[0];
    }

    private string Serial() => Backend.GetTokenInfo(SlotId).SerialNumber;

    /// <summary>Stores that run <see cref="BeforeNextWrite"/> once, just before their next object write.</summary>
    private sealed class RaceWindowDirectory(ITokenDirectory inner) : ITokenDirectory
    {
        public Action? BeforeNextWrite { get; set; }

        public IReadOnlyList<string> ListSerials() => inner.ListSerials();

        public ITokenStore Open(string serial) => new Store(this, inner.Open(serial));

        public ITokenStore Create(TokenRecord token) => new Store(this, inner.Create(token));

        private void RunHook()
        {
            var hook = BeforeNextWrite;
            BeforeNextWrite = null;
            hook?.Invoke();
        }

        private sealed class Store(RaceWindowDirectory owner, ITokenStore inner) : DelegatingTokenStore(inner)
        {
            public override bool ReplaceObject(ObjectRecord record)
            {
                owner.RunHook();
                return base.ReplaceObject(record);
            }

            public override bool DeleteObject(Guid uid)
            {
                owner.RunHook();
                return base.DeleteObject(uid);
            }
        }
    }
}
