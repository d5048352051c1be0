using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_InitPIN and C_SetPIN (spec 5.5), each on a scratch token.</summary>
public sealed class _09_InitPinAndSetPinTest : Pkcs11Fixture
{
    private static CKR InitPin(ulong s, string pin)
    {
        byte[] p = P11.Pin(pin);
        return Module.Low.C_InitPIN(s, p, (ulong)p.Length);
    }

    private static CKR SetPin(ulong s, string oldPin, string newPin)
    {
        byte[] o = P11.Pin(oldPin), n = P11.Pin(newPin);
        return Module.Low.C_SetPIN(s, o, (ulong)o.Length, n, (ulong)n.Length);
    }

    [Test]
    public void SO_sets_the_user_PIN_and_the_user_can_log_in()
    {
        ulong slot = Track(Tokens.CreateScratchToken("initpin", withUserPin: false));
        ulong s = P11.OpenSession(slot, readWrite: true);
        P11.LoginSo(s);
        Assert.That(InitPin(s, "4321-user"), Is.EqualTo(CKR.CKR_OK), "C_InitPIN as SO");
        Assert.That(Ck.Has(P11.TokenFlags(slot), CKF.CKF_USER_PIN_INITIALIZED), Is.True, "CKF_USER_PIN_INITIALIZED after C_InitPIN");
        P11.Logout(s);
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, "4321-user"), Is.EqualTo(CKR.CKR_OK), "C_Login(CKU_USER) with the PIN the SO set");
    }

    /// <summary>§5.6 lists no CKR_USER_PIN_NOT_INITIALIZED for C_SetPIN (C_Login has it): with no user PIN set, no
    /// old PIN is the right one (found by tests/scripts/fuzz.sh, seed 147225930935480, both modes, at call 436,030).</summary>
    [Test]
    public void C_SetPIN_of_the_user_before_C_InitPIN_returns_CKR_PIN_INCORRECT()
    {
        ulong slot = Track(Tokens.CreateScratchToken("setpin-nopin", withUserPin: false));
        ulong s = P11.OpenSession(slot, readWrite: true);
        Assert.That(SetPin(s, "any-old-pin", "55556666"), Is.EqualTo(CKR.CKR_PIN_INCORRECT), "C_SetPIN in a R/W public session, no user PIN");
        Assert.That(Ck.Has(P11.TokenFlags(slot), CKF.CKF_USER_PIN_INITIALIZED), Is.False, "still no user PIN");
    }

    /// <summary>PBKDF2's HMAC pads a short key with zero bytes, so a PIN and the same PIN followed by zero bytes
    /// derived one key: C_Login accepted "PIN\0" and C_SetPIN set one (found by tests/scripts/fuzz.sh, seed
    /// 278387835140517, both modes, at call 271,351). A PIN with a zero byte is now CKR_PIN_INVALID when set and a
    /// counted CKR_PIN_INCORRECT when given.</summary>
    [Test]
    public void A_PIN_with_a_zero_byte_is_never_set_and_never_matches()
    {
        ulong slot = Track(Tokens.CreateScratchToken("pin-zero-byte"));
        ulong s = P11.OpenSession(slot, readWrite: true);
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, Settings.UserPin + "\0"), Is.EqualTo(CKR.CKR_PIN_INCORRECT), "the user PIN and a zero byte");
        Assert.That(Ck.Has(P11.TokenFlags(slot), CKF.CKF_USER_PIN_COUNT_LOW), Is.True, "a counted failure");
        Assert.That(P11.TryLogin(s, CKU.CKU_SO, Settings.SoPin + "\0\0"), Is.EqualTo(CKR.CKR_PIN_INCORRECT), "the SO PIN and two zero bytes");
        P11.LoginUser(s);
        Assert.That(SetPin(s, Settings.UserPin, "new-pin-1\0"), Is.EqualTo(CKR.CKR_PIN_INVALID), "C_SetPIN, a trailing zero byte");
        Assert.That(SetPin(s, Settings.UserPin, "new\0pin-1"), Is.EqualTo(CKR.CKR_PIN_INVALID), "C_SetPIN, a zero byte inside");
        P11.Logout(s);
        P11.LoginSo(s);
        Assert.That(InitPin(s, "new-pin-1\0"), Is.EqualTo(CKR.CKR_PIN_INVALID), "C_InitPIN");
        P11.Logout(s);
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, Settings.UserPin), Is.EqualTo(CKR.CKR_OK), "the user PIN is unchanged");
    }

    [Test]
    public void C_InitPIN_outside_the_SO_state_returns_CKR_USER_NOT_LOGGED_IN()
    {
        ulong slot = Track(Tokens.CreateScratchToken("initpin-state"));
        ulong s = P11.OpenSession(slot, readWrite: true);
        Assert.That(InitPin(s, "55556666"), Is.EqualTo(CKR.CKR_USER_NOT_LOGGED_IN), "C_InitPIN in a R/W public session");
        P11.LoginUser(s);
        Assert.That(InitPin(s, "55556666"), Is.EqualTo(CKR.CKR_USER_NOT_LOGGED_IN), "C_InitPIN in a R/W user session");
        P11.Logout(s);
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, Settings.UserPin), Is.EqualTo(CKR.CKR_OK), "the user PIN is unchanged");
    }

    [Test]
    public void C_InitPIN_with_a_too_short_PIN_returns_CKR_PIN_LEN_RANGE()
    {
        ulong slot = Track(Tokens.CreateScratchToken("initpin-short", withUserPin: false));
        ulong s = P11.OpenSession(slot, readWrite: true);
        P11.LoginSo(s);
        Assert.That(InitPin(s, "123"), Is.EqualTo(CKR.CKR_PIN_LEN_RANGE), "C_InitPIN with 3 characters");
        Assert.That(Ck.Has(P11.TokenFlags(slot), CKF.CKF_USER_PIN_INITIALIZED), Is.False, "still no user PIN");
    }

    [Test]
    public void User_changes_own_PIN()
    {
        ulong slot = Track(Tokens.CreateScratchToken("setpin-user"));
        ulong s = P11.OpenSession(slot, readWrite: true);
        P11.LoginUser(s);
        Assert.That(SetPin(s, Settings.UserPin, "new-user-pin"), Is.EqualTo(CKR.CKR_OK), "C_SetPIN in a R/W user session");
        P11.Logout(s);
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, Settings.UserPin), Is.EqualTo(CKR.CKR_PIN_INCORRECT), "the old PIN no longer works");
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, "new-user-pin"), Is.EqualTo(CKR.CKR_OK), "the new PIN works");
    }

    [Test]
    public void C_SetPIN_in_a_RW_public_session_changes_the_user_PIN()
    {
        ulong slot = Track(Tokens.CreateScratchToken("setpin-public"));
        ulong s = P11.OpenSession(slot, readWrite: true);
        Assert.That(SetPin(s, Settings.UserPin, "public-changed"), Is.EqualTo(CKR.CKR_OK), "C_SetPIN in a R/W public session");
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, "public-changed"), Is.EqualTo(CKR.CKR_OK), "the user logs in with the new PIN");
    }

    [Test]
    public void SO_changes_the_SO_PIN()
    {
        ulong slot = Track(Tokens.CreateScratchToken("setpin-so"));
        ulong s = P11.OpenSession(slot, readWrite: true);
        P11.LoginSo(s);
        Assert.That(SetPin(s, Settings.SoPin, "new-so-pin"), Is.EqualTo(CKR.CKR_OK), "C_SetPIN in a R/W SO session");
        P11.Logout(s);
        Assert.That(P11.TryLogin(s, CKU.CKU_SO, Settings.SoPin), Is.EqualTo(CKR.CKR_PIN_INCORRECT), "the old SO PIN no longer works");
        Assert.That(P11.TryLogin(s, CKU.CKU_SO, "new-so-pin"), Is.EqualTo(CKR.CKR_OK), "the new SO PIN works");
        P11.Logout(s);
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, Settings.UserPin), Is.EqualTo(CKR.CKR_OK), "the user PIN is untouched");
    }

    [Test]
    public void Wrong_old_PIN_returns_CKR_PIN_INCORRECT()
    {
        ulong slot = Track(Tokens.CreateScratchToken("setpin-wrong"));
        ulong s = P11.OpenSession(slot, readWrite: true);
        P11.LoginUser(s);
        Assert.That(SetPin(s, "not-my-pin", "whatever-1"), Is.EqualTo(CKR.CKR_PIN_INCORRECT), "C_SetPIN with a wrong old PIN");
        P11.Logout(s);
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, Settings.UserPin), Is.EqualTo(CKR.CKR_OK), "PIN unchanged");
    }

    [Test]
    public void Too_short_new_PIN_returns_CKR_PIN_LEN_RANGE()
    {
        ulong slot = Track(Tokens.CreateScratchToken("setpin-short"));
        ulong s = P11.OpenSession(slot, readWrite: true);
        P11.LoginUser(s);
        Assert.That(SetPin(s, Settings.UserPin, "123"), Is.EqualTo(CKR.CKR_PIN_LEN_RANGE), "C_SetPIN to 3 characters");
    }

    [Test]
    public void C_SetPIN_in_a_RO_session_returns_CKR_SESSION_READ_ONLY()
    {
        ulong slot = Track(Tokens.CreateScratchToken("setpin-ro"));
        ulong s = P11.OpenSession(slot, readWrite: false);
        Assert.That(SetPin(s, Settings.UserPin, "ro-changed"), Is.EqualTo(CKR.CKR_SESSION_READ_ONLY), "C_SetPIN in a R/O public session");
        P11.LoginUser(s);
        Assert.That(SetPin(s, Settings.UserPin, "ro-changed"), Is.EqualTo(CKR.CKR_SESSION_READ_ONLY), "C_SetPIN in a R/O user session");
    }

    [Test]
    public unsafe void NULL_PIN_pointers_with_lengths_return_CKR_ARGUMENTS_BAD()
    {
        ulong slot = Track(Tokens.CreateScratchToken("setpin-null"));
        ulong s = P11.OpenSession(slot, readWrite: true);
        P11.LoginSo(s);
        byte[] pin = P11.Pin("12345678");
        fixed (byte* p = pin)
        {
            Assert.That(Module.Raw.C_InitPIN(s, null, 8), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_InitPIN(NULL, 8)");
            Assert.That(Module.Raw.C_SetPIN(s, null, 8, p, 8), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_SetPIN(old = NULL, 8)");
            Assert.That(Module.Raw.C_SetPIN(s, p, 8, null, 8), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_SetPIN(new = NULL, 8)");
        }
    }

    [Test]
    public void Invalid_session_returns_CKR_SESSION_HANDLE_INVALID()
    {
        Assert.That(InitPin(Ck.InvalidSession, "12345678"), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_InitPIN(invalid session)");
        Assert.That(SetPin(Ck.InvalidSession, "12345678", "87654321"), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_SetPIN(invalid session)");
    }
}
