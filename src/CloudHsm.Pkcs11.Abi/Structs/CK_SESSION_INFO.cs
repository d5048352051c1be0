using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_SESSION_INFO (C_GetSessionInfo).</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public struct CK_SESSION_INFO
{
    public CK_SLOT_ID slotID;
    public CK_STATE state;
    public CK_FLAGS flags;
    public CK_ULONG ulDeviceError;
}
