using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.LowLevelAPI80;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_GetSessionInfo (spec 5.6).</summary>
public sealed class _11_SessionInfoTest : Pkcs11Fixture
{
    [Test]
    public void RO_session_reports_its_slot_public_state_and_serial_flag()
    {
        ulong s = P11.OpenRo();
        CK_SESSION_INFO info = P11.SessionInfo(s);
        Assert.That(info.SlotId, Is.EqualTo(Module.MainSlot), "slotID");
        Assert.That((CKS)(uint)info.State, Is.EqualTo(CKS.CKS_RO_PUBLIC_SESSION), "state");
        Assert.That(info.Flags, Is.EqualTo(Ck.CKF_SERIAL_SESSION), "flags: CKF_SERIAL_SESSION only");
        Assert.That(info.DeviceError, Is.Zero, "ulDeviceError");
    }

    [Test]
    public void RW_session_reports_public_state_and_RW_flag()
    {
        ulong s = P11.OpenRw();
        CK_SESSION_INFO info = P11.SessionInfo(s);
        Assert.That((CKS)(uint)info.State, Is.EqualTo(CKS.CKS_RW_PUBLIC_SESSION), "state");
        Assert.That(info.Flags, Is.EqualTo(Ck.CKF_SERIAL_SESSION | Ck.CKF_RW_SESSION), "flags: CKF_SERIAL_SESSION | CKF_RW_SESSION");
    }

    [Test]
    public unsafe void NULL_pInfo_returns_CKR_ARGUMENTS_BAD()
    {
        ulong s = P11.OpenRo();
        Assert.That(Module.Raw.C_GetSessionInfo(s, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_GetSessionInfo(session, NULL)");
    }

    [Test]
    public void Invalid_handle_returns_CKR_SESSION_HANDLE_INVALID()
    {
        var info = new CK_SESSION_INFO();
        Assert.That(Module.Low.C_GetSessionInfo(Ck.InvalidSession, ref info), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_GetSessionInfo(invalid)");
        Assert.That(Module.Low.C_GetSessionInfo(0, ref info), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_GetSessionInfo(0)");
    }
}
