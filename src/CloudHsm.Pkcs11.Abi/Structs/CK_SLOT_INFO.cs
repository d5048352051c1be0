using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_SLOT_INFO (C_GetSlotInfo). Strings are blank-padded, never NUL-terminated.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_SLOT_INFO
{
    public fixed byte slotDescription[64];
    public fixed byte manufacturerID[32];
    public CK_FLAGS flags;
    public CK_VERSION hardwareVersion;
    public CK_VERSION firmwareVersion;
}
