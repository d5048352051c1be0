using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_MECHANISM: a mechanism type and its (mechanism-specific) parameter block.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_MECHANISM
{
    public CK_MECHANISM_TYPE mechanism;
    public void* pParameter;
    public CK_ULONG ulParameterLen;
}
