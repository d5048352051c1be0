using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_InitToken (spec 5.5), on scratch tokens so the shared one stays as it is.</summary>
public sealed class _08_InitTokenTest : Pkcs11Fixture
{
    [Test]
    public void Initialising_the_uninitialised_slot_makes_a_token_and_offers_a_new_uninitialised_slot()
    {
        Tokens.UninitializedSlot();
        ulong slot = Track(Tokens.InitToken("init-fresh", Settings.SoPin));

        var info = P11.TokenInfo(slot);
        Assert.That(info.Label, Is.EqualTo(P11.Label32("init-fresh")), "label as given");
        Assert.That(Ck.Has(info.Flags, CKF.CKF_TOKEN_INITIALIZED), Is.True, "CKF_TOKEN_INITIALIZED: " + Names.TokenFlags(info.Flags));
        Assert.That(Ck.Has(info.Flags, CKF.CKF_USER_PIN_INITIALIZED), Is.False, "no user PIN before C_InitPIN: " + Names.TokenFlags(info.Flags));

        ulong[] slots = P11.SlotList();
        ulong after = Tokens.UninitializedSlot();   // asserts there is exactly one again
        Assert.That(Array.IndexOf(slots, slot), Is.LessThan(Array.IndexOf(slots, after)), "the new token is listed before the uninitialised slot");
        Assert.That(slots, Does.Contain(Module.MainSlot), "other tokens are still there");
        Assert.That(after, Is.Not.EqualTo(slot), "the token's slot is no longer the uninitialised one");
    }

    [Test]
    public void New_token_accepts_the_SO_PIN_and_has_no_user_PIN_yet()
    {
        ulong slot = Track(Tokens.CreateScratchToken("init-nouser", withUserPin: false));
        ulong s = P11.OpenSession(slot, readWrite: true);
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, Settings.UserPin), Is.EqualTo(CKR.CKR_USER_PIN_NOT_INITIALIZED), "C_Login(CKU_USER) before C_InitPIN");
        Assert.That(P11.TryLogin(s, CKU.CKU_SO, Settings.SoPin), Is.EqualTo(CKR.CKR_OK), "C_Login(CKU_SO) with the PIN given to C_InitToken");
    }

    [Test]
    public void Reinitialising_with_the_SO_PIN_destroys_objects_relabels_and_clears_the_user_PIN()
    {
        ulong slot = Track(Tokens.CreateScratchToken("reinit"));
        ulong s = P11.OpenSession(slot, readWrite: true);
        P11.LoginUser(s);
        P11.Create(s, TestData.DataObject("doomed", token: true));
        P11.CloseAll(slot);

        byte[] pin = Settings.SoPinBytes;
        P11.Ok(Module.Low.C_InitToken(slot, pin, (ulong)pin.Length, P11.Label32("reinit-2")), "C_InitToken on an initialised token with its SO PIN");
        ulong? again = Tokens.FindSlotByLabel("reinit-2");
        Assert.That(again, Is.Not.Null, "the re-initialised token carries the new label");
        Track(again!.Value);

        var info = P11.TokenInfo(again.Value);
        Assert.That(Ck.Has(info.Flags, CKF.CKF_USER_PIN_INITIALIZED), Is.False, "user access is disabled until the SO sets the user PIN: " + Names.TokenFlags(info.Flags));
        s = P11.OpenSession(again.Value, readWrite: true);
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, Settings.UserPin), Is.EqualTo(CKR.CKR_USER_PIN_NOT_INITIALIZED), "C_Login(CKU_USER) after re-initialisation");
        Assert.That(P11.Find(s, Attr.Label("doomed")), Is.Empty, "public token objects are destroyed by C_InitToken");
        P11.LoginSo(s);
        Assert.That(P11.Find(s), Is.Empty, "no destroyable object survives C_InitToken");
    }

    [Test]
    public void Reinitialising_with_a_wrong_SO_PIN_returns_CKR_PIN_INCORRECT_and_changes_nothing()
    {
        ulong slot = Track(Tokens.CreateScratchToken("reinit-wrong"));
        ulong s = P11.OpenSession(slot, readWrite: true);
        P11.LoginUser(s);
        P11.Create(s, TestData.DataObject("survivor", token: true));
        P11.CloseAll(slot);

        byte[] wrong = P11.Pin("not-the-so-pin");
        Assert.That(Module.Low.C_InitToken(slot, wrong, (ulong)wrong.Length, P11.Label32("hijacked")), Is.EqualTo(CKR.CKR_PIN_INCORRECT), "C_InitToken with a wrong SO PIN");
        Assert.That(P11.TokenInfo(slot).Label, Is.Not.EqualTo(P11.Label32("hijacked")), "label unchanged");
        s = P11.OpenSession(slot, readWrite: false);
        Assert.That(P11.Find(s, Attr.Label("survivor")), Has.Length.EqualTo(1), "objects survive a refused C_InitToken");
    }

    [Test]
    public void Open_session_makes_C_InitToken_return_CKR_SESSION_EXISTS()
    {
        ulong slot = Track(Tokens.CreateScratchToken("reinit-busy"));
        P11.OpenSession(slot, readWrite: false);
        byte[] pin = Settings.SoPinBytes;
        Assert.That(Module.Low.C_InitToken(slot, pin, (ulong)pin.Length, P11.Label32("busy")), Is.EqualTo(CKR.CKR_SESSION_EXISTS), "C_InitToken with a session open on the token");
    }

    [Test]
    public void Too_short_SO_PIN_is_refused_and_the_slot_stays_uninitialised()
    {
        ulong slot = Tokens.UninitializedSlot();
        byte[] pin = P11.Pin(new string('9', Settings.MinPinLength - 1));
        CKR rv = Module.Low.C_InitToken(slot, pin, (ulong)pin.Length, P11.Label32("short-pin"));
        Assert.That(rv, Is.AnyOf(CKR.CKR_PIN_LEN_RANGE, CKR.CKR_PIN_INCORRECT), "C_InitToken with a 3-character SO PIN");
        Assert.That(Tokens.FindSlotByLabel("short-pin"), Is.Null, "no token was made");
        Assert.That(Tokens.UninitializedSlot(), Is.EqualTo(slot), "the uninitialised slot is still on offer");
    }

    [Test]
    public unsafe void NULL_arguments_return_CKR_ARGUMENTS_BAD()
    {
        ulong slot = Tokens.UninitializedSlot();
        byte[] label = P11.Label32("null-args");
        byte[] pin = Settings.SoPinBytes;
        fixed (byte* pLabel = label)
        fixed (byte* pPin = pin)
        {
            Assert.That(Module.Raw.C_InitToken(slot, pPin, (ulong)pin.Length, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_InitToken(pLabel = NULL)");
            Assert.That(Module.Raw.C_InitToken(slot, null, (ulong)pin.Length, pLabel), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_InitToken(pPin = NULL, ulPinLen = 8)");
        }
        Assert.That(Tokens.UninitializedSlot(), Is.EqualTo(slot), "still uninitialised");
    }

    [Test]
    public void Invalid_slot_returns_CKR_SLOT_ID_INVALID()
    {
        byte[] pin = Settings.SoPinBytes;
        Assert.That(Module.Low.C_InitToken(Ck.InvalidSlot, pin, (ulong)pin.Length, P11.Label32("nowhere")), Is.EqualTo(CKR.CKR_SLOT_ID_INVALID), "C_InitToken(invalid slot)");
    }
}
