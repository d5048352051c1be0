using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// C_Login / C_Logout and the session-state machine (spec 5.6; [PKCS11-UG] session states). Login state
/// belongs to the token and the application: every session of the token follows it.
/// </summary>
public sealed class _12_LoginTest : Pkcs11Fixture
{
    [Test]
    public void User_login_moves_every_session_to_the_user_states_and_logout_back()
    {
        ulong ro = P11.OpenRo(), rw = P11.OpenRw();
        Assert.That(P11.State(ro), Is.EqualTo(CKS.CKS_RO_PUBLIC_SESSION));
        Assert.That(P11.State(rw), Is.EqualTo(CKS.CKS_RW_PUBLIC_SESSION));

        P11.LoginUser(ro);
        Assert.That(P11.State(ro), Is.EqualTo(CKS.CKS_RO_USER_FUNCTIONS), "R/O session after C_Login(CKU_USER) on it");
        Assert.That(P11.State(rw), Is.EqualTo(CKS.CKS_RW_USER_FUNCTIONS), "R/W session of the same token follows");
        ulong later = P11.OpenRo();
        Assert.That(P11.State(later), Is.EqualTo(CKS.CKS_RO_USER_FUNCTIONS), "a session opened while logged in starts logged in");

        P11.Logout(rw);
        Assert.That(P11.State(ro), Is.EqualTo(CKS.CKS_RO_PUBLIC_SESSION), "R/O session after C_Logout on another session");
        Assert.That(P11.State(rw), Is.EqualTo(CKS.CKS_RW_PUBLIC_SESSION));
        Assert.That(P11.State(later), Is.EqualTo(CKS.CKS_RO_PUBLIC_SESSION));
    }

    [Test]
    public void SO_login_gives_RW_SO_functions()
    {
        ulong rw = P11.OpenRw(), rw2 = P11.OpenRw();
        P11.LoginSo(rw);
        Assert.That(P11.State(rw), Is.EqualTo(CKS.CKS_RW_SO_FUNCTIONS));
        Assert.That(P11.State(rw2), Is.EqualTo(CKS.CKS_RW_SO_FUNCTIONS), "the other R/W session follows");
        P11.Logout(rw2);
        Assert.That(P11.State(rw), Is.EqualTo(CKS.CKS_RW_PUBLIC_SESSION));
    }

    [Test]
    public void SO_login_with_a_RO_session_open_returns_CKR_SESSION_READ_ONLY_EXISTS()
    {
        ulong rw = P11.OpenRw();
        P11.OpenRo();
        Assert.That(P11.TryLogin(rw, CKU.CKU_SO, Settings.SoPin), Is.EqualTo(CKR.CKR_SESSION_READ_ONLY_EXISTS), "C_Login(CKU_SO) while a R/O session exists");
        Assert.That(P11.State(rw), Is.EqualTo(CKS.CKS_RW_PUBLIC_SESSION), "still public");
    }

    [Test]
    public void Opening_a_RO_session_while_the_SO_is_logged_in_returns_CKR_SESSION_READ_WRITE_SO_EXISTS()
    {
        ulong rw = P11.OpenRw();
        P11.LoginSo(rw);
        Assert.That(P11.TryOpenSession(Module.MainSlot, readWrite: false, out _), Is.EqualTo(CKR.CKR_SESSION_READ_WRITE_SO_EXISTS),
            "C_OpenSession(R/O) with a R/W SO session");
        Assert.That(P11.TryOpenSession(Module.MainSlot, readWrite: true, out ulong rw2), Is.EqualTo(CKR.CKR_OK), "another R/W session is fine");
        Assert.That(P11.State(rw2), Is.EqualTo(CKS.CKS_RW_SO_FUNCTIONS));
    }

    [Test]
    public void Second_login_of_the_same_user_returns_CKR_USER_ALREADY_LOGGED_IN()
    {
        ulong a = P11.OpenRw(), b = P11.OpenRo();
        P11.LoginUser(a);
        Assert.That(P11.TryLogin(a, CKU.CKU_USER, Settings.UserPin), Is.EqualTo(CKR.CKR_USER_ALREADY_LOGGED_IN), "C_Login(CKU_USER) again, same session");
        Assert.That(P11.TryLogin(b, CKU.CKU_USER, Settings.UserPin), Is.EqualTo(CKR.CKR_USER_ALREADY_LOGGED_IN), "C_Login(CKU_USER) again, other session");
    }

    [Test]
    public void Login_as_the_other_user_type_returns_CKR_USER_ANOTHER_ALREADY_LOGGED_IN()
    {
        ulong rw = P11.OpenRw();
        P11.LoginUser(rw);
        Assert.That(P11.TryLogin(rw, CKU.CKU_SO, Settings.SoPin), Is.EqualTo(CKR.CKR_USER_ANOTHER_ALREADY_LOGGED_IN), "C_Login(CKU_SO) while the user is logged in");
        P11.Logout(rw);
        P11.LoginSo(rw);
        Assert.That(P11.TryLogin(rw, CKU.CKU_USER, Settings.UserPin), Is.EqualTo(CKR.CKR_USER_ANOTHER_ALREADY_LOGGED_IN), "C_Login(CKU_USER) while the SO is logged in");
    }

    [Test]
    public void Logout_without_login_returns_CKR_USER_NOT_LOGGED_IN()
    {
        ulong s = P11.OpenRo();
        Assert.That(Module.Low.C_Logout(s), Is.EqualTo(CKR.CKR_USER_NOT_LOGGED_IN), "C_Logout in a public session");
        P11.LoginUser(s);
        P11.Logout(s);
        Assert.That(Module.Low.C_Logout(s), Is.EqualTo(CKR.CKR_USER_NOT_LOGGED_IN), "C_Logout twice");
    }

    [Test]
    public void Closing_the_last_session_logs_out()
    {
        ulong s = P11.OpenRw();
        P11.LoginUser(s);
        P11.Ok(Module.Low.C_CloseSession(s), "C_CloseSession");
        ulong again = P11.OpenRw();
        Assert.That(P11.State(again), Is.EqualTo(CKS.CKS_RW_PUBLIC_SESSION), "after the last session closed, new sessions are public");
    }

    [Test]
    public void Login_state_is_per_token()
    {
        ulong other = Track(Tokens.CreateScratchToken("login-per-token"));
        ulong mine = P11.OpenRw();
        ulong theirs = P11.OpenSession(other, readWrite: true);
        P11.LoginUser(mine);
        Assert.That(P11.State(theirs), Is.EqualTo(CKS.CKS_RW_PUBLIC_SESSION), "logging in to one token does not log in another");
        P11.LoginSo(theirs);
        Assert.That(P11.State(mine), Is.EqualTo(CKS.CKS_RW_USER_FUNCTIONS), "and the other token's SO login leaves this one alone");
    }

    [Test]
    public void Wrong_PIN_returns_CKR_PIN_INCORRECT()
    {
        ulong s = P11.OpenRw();
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, "wrong-pin"), Is.EqualTo(CKR.CKR_PIN_INCORRECT), "C_Login(CKU_USER, wrong PIN)");
        Assert.That(P11.TryLogin(s, CKU.CKU_SO, "wrong-pin"), Is.EqualTo(CKR.CKR_PIN_INCORRECT), "C_Login(CKU_SO, wrong PIN)");
        Assert.That(P11.State(s), Is.EqualTo(CKS.CKS_RW_PUBLIC_SESSION), "still public");
        P11.LoginUser(s);   // and a correct login resets the count on the shared token
    }

    [Test]
    public void User_login_before_C_InitPIN_returns_CKR_USER_PIN_NOT_INITIALIZED()
    {
        ulong slot = Track(Tokens.CreateScratchToken("login-nopin", withUserPin: false));
        ulong s = P11.OpenSession(slot, readWrite: true);
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, Settings.UserPin), Is.EqualTo(CKR.CKR_USER_PIN_NOT_INITIALIZED), "C_Login(CKU_USER) with no user PIN set");
    }

    [Test]
    public void Unknown_user_type_returns_CKR_USER_TYPE_INVALID()
    {
        ulong s = P11.OpenRw();
        Assert.That(P11.TryLogin(s, (CKU)7, Settings.UserPin), Is.EqualTo(CKR.CKR_USER_TYPE_INVALID), "C_Login(userType = 7)");
        Assert.That(P11.TryLogin(s, (CKU)0x7FFFFFFF, Settings.UserPin), Is.EqualTo(CKR.CKR_USER_TYPE_INVALID), "C_Login(userType = 0x7FFFFFFF)");
    }

    [Test]
    public void CKU_CONTEXT_SPECIFIC_without_an_operation_returns_CKR_OPERATION_NOT_INITIALIZED()
    {
        ulong s = P11.OpenRw();
        P11.LoginUser(s);
        Assert.That(P11.TryLogin(s, CKU.CKU_CONTEXT_SPECIFIC, Settings.UserPin), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED),
            "C_Login(CKU_CONTEXT_SPECIFIC) with no operation needing it");
    }

    [Test]
    public unsafe void NULL_PIN_with_a_length_returns_CKR_ARGUMENTS_BAD()
    {
        ulong s = P11.OpenRw();
        Assert.That(Module.Raw.C_Login(s, (ulong)CKU.CKU_USER, null, 8), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_Login(pPin = NULL, ulPinLen = 8)");
    }

    [Test]
    public void Invalid_session_returns_CKR_SESSION_HANDLE_INVALID()
    {
        Assert.That(P11.TryLogin(Ck.InvalidSession, CKU.CKU_USER, Settings.UserPin), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_Login(invalid session)");
        Assert.That(Module.Low.C_Logout(Ck.InvalidSession), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_Logout(invalid session)");
    }

    // --- PIN failure counting and lockout (library contract: maxLoginFailures = 10) ----------------------

    [Test]
    public void One_wrong_user_PIN_sets_CKF_USER_PIN_COUNT_LOW_and_a_good_login_clears_it()
    {
        ulong slot = Track(Tokens.CreateScratchToken("count-low"));
        ulong s = P11.OpenSession(slot, readWrite: true);
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, "wrong-pin"), Is.EqualTo(CKR.CKR_PIN_INCORRECT));
        ulong flags = P11.TokenFlags(slot);
        Assert.That(Ck.Has(flags, CKF.CKF_USER_PIN_COUNT_LOW), Is.True, "CKF_USER_PIN_COUNT_LOW after one failure: " + Names.TokenFlags(flags));
        Assert.That(Ck.Has(flags, CKF.CKF_USER_PIN_FINAL_TRY | CKF.CKF_USER_PIN_LOCKED), Is.False, "not final try, not locked: " + Names.TokenFlags(flags));

        P11.LoginUser(s);
        flags = P11.TokenFlags(slot);
        Assert.That(flags & (CKF.CKF_USER_PIN_COUNT_LOW | CKF.CKF_USER_PIN_FINAL_TRY | CKF.CKF_USER_PIN_LOCKED), Is.Zero,
            "a successful login resets the failure count: " + Names.TokenFlags(flags));
    }

    [Test]
    public void User_PIN_locks_after_maxLoginFailures_and_the_SO_unlocks_it_with_C_InitPIN()
    {
        ulong slot = Track(Tokens.CreateScratchToken("user-lockout"));
        ulong s = P11.OpenSession(slot, readWrite: true);
        for (int i = 1; i < Settings.MaxLoginFailures; i++)
            Assert.That(P11.TryLogin(s, CKU.CKU_USER, "wrong-pin"), Is.EqualTo(CKR.CKR_PIN_INCORRECT), $"wrong user PIN #{i}");
        ulong flags = P11.TokenFlags(slot);
        Assert.That(Ck.Has(flags, CKF.CKF_USER_PIN_FINAL_TRY), Is.True, "CKF_USER_PIN_FINAL_TRY with one attempt left: " + Names.TokenFlags(flags));
        Assert.That(Ck.Has(flags, CKF.CKF_USER_PIN_COUNT_LOW), Is.True, "CKF_USER_PIN_COUNT_LOW still set: " + Names.TokenFlags(flags));
        Assert.That(Ck.Has(flags, CKF.CKF_USER_PIN_LOCKED), Is.False, "not yet locked: " + Names.TokenFlags(flags));

        Assert.That(P11.TryLogin(s, CKU.CKU_USER, "wrong-pin"), Is.AnyOf(CKR.CKR_PIN_INCORRECT, CKR.CKR_PIN_LOCKED), $"wrong user PIN #{Settings.MaxLoginFailures}");
        flags = P11.TokenFlags(slot);
        Assert.That(Ck.Has(flags, CKF.CKF_USER_PIN_LOCKED), Is.True, "CKF_USER_PIN_LOCKED: " + Names.TokenFlags(flags));
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, Settings.UserPin), Is.EqualTo(CKR.CKR_PIN_LOCKED), "even the right PIN is refused once locked");
        Assert.That(P11.State(s), Is.EqualTo(CKS.CKS_RW_PUBLIC_SESSION));

        P11.LoginSo(s);
        byte[] newPin = P11.Pin("unlocked-pin");
        Assert.That(Module.Low.C_InitPIN(s, newPin, (ulong)newPin.Length), Is.EqualTo(CKR.CKR_OK), "C_InitPIN by the SO on a locked user PIN");
        P11.Logout(s);
        flags = P11.TokenFlags(slot);
        Assert.That(flags & (CKF.CKF_USER_PIN_COUNT_LOW | CKF.CKF_USER_PIN_FINAL_TRY | CKF.CKF_USER_PIN_LOCKED), Is.Zero,
            "C_InitPIN unlocks and resets the count: " + Names.TokenFlags(flags));
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, "unlocked-pin"), Is.EqualTo(CKR.CKR_OK), "the user logs in with the new PIN");
    }

    [Test]
    public void SO_PIN_counts_and_locks_the_same_way()
    {
        ulong slot = Track(Tokens.CreateScratchToken("so-lockout"));
        ulong s = P11.OpenSession(slot, readWrite: true);
        Assert.That(P11.TryLogin(s, CKU.CKU_SO, "wrong-pin"), Is.EqualTo(CKR.CKR_PIN_INCORRECT));
        Assert.That(Ck.Has(P11.TokenFlags(slot), CKF.CKF_SO_PIN_COUNT_LOW), Is.True, "CKF_SO_PIN_COUNT_LOW after one failure: " + Names.TokenFlags(P11.TokenFlags(slot)));
        P11.LoginSo(s);
        P11.Logout(s);
        Assert.That(P11.TokenFlags(slot) & (CKF.CKF_SO_PIN_COUNT_LOW | CKF.CKF_SO_PIN_FINAL_TRY | CKF.CKF_SO_PIN_LOCKED), Is.Zero,
            "a successful SO login resets the SO count: " + Names.TokenFlags(P11.TokenFlags(slot)));

        for (int i = 1; i < Settings.MaxLoginFailures; i++)
            Assert.That(P11.TryLogin(s, CKU.CKU_SO, "wrong-pin"), Is.EqualTo(CKR.CKR_PIN_INCORRECT), $"wrong SO PIN #{i}");
        Assert.That(Ck.Has(P11.TokenFlags(slot), CKF.CKF_SO_PIN_FINAL_TRY), Is.True, "CKF_SO_PIN_FINAL_TRY: " + Names.TokenFlags(P11.TokenFlags(slot)));
        Assert.That(P11.TryLogin(s, CKU.CKU_SO, "wrong-pin"), Is.AnyOf(CKR.CKR_PIN_INCORRECT, CKR.CKR_PIN_LOCKED), $"wrong SO PIN #{Settings.MaxLoginFailures}");
        Assert.That(Ck.Has(P11.TokenFlags(slot), CKF.CKF_SO_PIN_LOCKED), Is.True, "CKF_SO_PIN_LOCKED: " + Names.TokenFlags(P11.TokenFlags(slot)));
        Assert.That(P11.TryLogin(s, CKU.CKU_SO, Settings.SoPin), Is.EqualTo(CKR.CKR_PIN_LOCKED), "the right SO PIN is refused once locked");
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, Settings.UserPin), Is.EqualTo(CKR.CKR_OK), "the user PIN is a separate counter");
    }

    [Test]
    public void Lockout_is_remembered_by_the_token()
    {
        ulong slot = Track(Tokens.CreateScratchToken("lockout-persist"));
        ulong s = P11.OpenSession(slot, readWrite: true);
        for (int i = 0; i < Settings.MaxLoginFailures; i++)
            P11.TryLogin(s, CKU.CKU_USER, "wrong-pin");
        Assert.That(Ck.Has(P11.TokenFlags(slot), CKF.CKF_USER_PIN_LOCKED), Is.True, "locked");
        P11.CloseAll(slot);
        s = P11.OpenSession(slot, readWrite: true);
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, Settings.UserPin), Is.EqualTo(CKR.CKR_PIN_LOCKED), "closing every session does not unlock");
    }
}
