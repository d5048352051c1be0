using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_MECHANISM_INFO (C_GetMechanismInfo).</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public struct CK_MECHANISM_INFO
{
    public CK_ULONG ulMinKeySize;
    public CK_ULONG ulMaxKeySize;
    public CK_FLAGS flags;
}
