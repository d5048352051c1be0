using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_INFO (C_GetInfo). Strings are blank-padded, never NUL-terminated.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_INFO
{
    public CK_VERSION cryptokiVersion;
    public fixed byte manufacturerID[32];
    public CK_FLAGS flags;
    public fixed byte libraryDescription[32];
    public CK_VERSION libraryVersion;
}
