using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.LowLevelAPI80;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_OpenSession, C_CloseSession, C_CloseAllSessions (spec 5.6).</summary>
public sealed class _10_SessionTest : Pkcs11Fixture
{
    private static bool IsValid(ulong session)
    {
        var info = new CK_SESSION_INFO();
        CKR rv = Module.Low.C_GetSessionInfo(session, ref info);
        Assert.That(rv, Is.AnyOf(CKR.CKR_OK, CKR.CKR_SESSION_HANDLE_INVALID), "C_GetSessionInfo");
        return rv == CKR.CKR_OK;
    }

    [Test]
    public void Opens_RO_and_RW_sessions_with_distinct_nonzero_handles()
    {
        ulong ro = P11.OpenRo();
        ulong rw = P11.OpenRw();
        Assert.That(ro, Is.Not.EqualTo(rw), "distinct handles");
        Assert.That(IsValid(ro) && IsValid(rw), Is.True, "both sessions are usable");
    }

    [Test]
    public void Without_CKF_SERIAL_SESSION_returns_CKR_SESSION_PARALLEL_NOT_SUPPORTED()
    {
        ulong s = 0;
        Assert.That(Module.Low.C_OpenSession(Module.MainSlot, Ck.CKF_RW_SESSION, IntPtr.Zero, IntPtr.Zero, ref s),
            Is.EqualTo(CKR.CKR_SESSION_PARALLEL_NOT_SUPPORTED), "C_OpenSession(CKF_RW_SESSION only)");
        Assert.That(Module.Low.C_OpenSession(Module.MainSlot, 0, IntPtr.Zero, IntPtr.Zero, ref s),
            Is.EqualTo(CKR.CKR_SESSION_PARALLEL_NOT_SUPPORTED), "C_OpenSession(flags = 0)");
    }

    [Test]
    public void On_the_uninitialised_slot_returns_CKR_TOKEN_NOT_RECOGNIZED()
    {
        Assert.That(P11.TryOpenSession(Tokens.UninitializedSlot(), readWrite: false, out _), Is.EqualTo(CKR.CKR_TOKEN_NOT_RECOGNIZED),
            "C_OpenSession on the slot whose token is not initialised");
    }

    [Test]
    public void On_an_invalid_slot_returns_CKR_SLOT_ID_INVALID()
    {
        Assert.That(P11.TryOpenSession(Ck.InvalidSlot, readWrite: true, out _), Is.EqualTo(CKR.CKR_SLOT_ID_INVALID), "C_OpenSession(invalid slot)");
    }

    [Test]
    public unsafe void NULL_phSession_returns_CKR_ARGUMENTS_BAD()
    {
        Assert.That(Module.Raw.C_OpenSession(Module.MainSlot, Ck.CKF_SERIAL_SESSION, null, null, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD),
            "C_OpenSession(phSession = NULL)");
    }

    [Test]
    public void Closed_session_handle_becomes_invalid()
    {
        ulong s = P11.OpenRw();
        Assert.That(Module.Low.C_CloseSession(s), Is.EqualTo(CKR.CKR_OK), "C_CloseSession");
        Assert.That(IsValid(s), Is.False, "C_GetSessionInfo on a closed session: CKR_SESSION_HANDLE_INVALID");
        Assert.That(Module.Low.C_CloseSession(s), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_CloseSession twice");
    }

    [Test]
    public void C_CloseSession_with_an_invalid_handle_returns_CKR_SESSION_HANDLE_INVALID()
    {
        Assert.That(Module.Low.C_CloseSession(0), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_CloseSession(0)");
        Assert.That(Module.Low.C_CloseSession(Ck.InvalidSession), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_CloseSession(never opened)");
    }

    [Test]
    public void C_CloseAllSessions_closes_only_that_token_s_sessions()
    {
        ulong other = Track(Tokens.CreateScratchToken("closeall"));
        ulong a = P11.OpenRo(), b = P11.OpenRw();
        ulong c = P11.OpenSession(other, readWrite: false);
        Assert.That(Module.Low.C_CloseAllSessions(Module.MainSlot), Is.EqualTo(CKR.CKR_OK), "C_CloseAllSessions");
        Assert.That(IsValid(a) || IsValid(b), Is.False, "every session with the token is closed");
        Assert.That(IsValid(c), Is.True, "a session with another token is not");
    }

    [Test]
    public void C_CloseAllSessions_on_an_invalid_slot_returns_CKR_SLOT_ID_INVALID()
    {
        Assert.That(Module.Low.C_CloseAllSessions(Ck.InvalidSlot), Is.EqualTo(CKR.CKR_SLOT_ID_INVALID), "C_CloseAllSessions(invalid slot)");
    }

    /// <summary>Project contract (STYLE 6.8): handles fit in 32 bits (Windows' CK_ULONG) and are never reused.</summary>
    [Test]
    public void Session_handles_fit_in_32_bits_and_are_not_reused()
    {
        var seen = new HashSet<ulong>();
        for (int i = 0; i < 50; i++)
        {
            ulong s = P11.OpenRo();
            Assert.That(s, Is.LessThanOrEqualTo((ulong)uint.MaxValue), "session handle fits in 32 bits");
            Assert.That(seen.Add(s), Is.True, $"handle {s} was handed out before (handles are never reused)");
            P11.Ok(Module.Low.C_CloseSession(s), "C_CloseSession");
        }
    }

    [Test]
    public void Many_sessions_can_be_open_at_once()
    {
        var sessions = Enumerable.Range(0, 100).Select(i => P11.OpenSession(Module.MainSlot, readWrite: i % 2 == 0)).ToArray();
        Assert.That(sessions, Is.Unique, "100 open sessions, 100 handles");
        Assert.That(sessions.All(IsValid), Is.True, "all usable");
    }

    [Test]
    public void High_level_open_and_close()
    {
        var slot = Module.Library.GetSlotList(SlotsType.WithTokenPresent).Single(x => x.SlotId == Module.MainSlot);
        using (var session = slot.OpenSession(SessionType.ReadWrite))
        {
            Assert.That(session.GetSessionInfo().State, Is.EqualTo(CKS.CKS_RW_PUBLIC_SESSION), "Pkcs11Interop ISession state");
        }
    }
}
