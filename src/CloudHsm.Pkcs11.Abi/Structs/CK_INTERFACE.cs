using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_INTERFACE (PKCS#11 3.0, C_GetInterfaceList / C_GetInterface): a NUL-terminated
/// interface name ("PKCS 11"), the function list it designates and its CKF_INTERFACE_* flags.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_INTERFACE
{
    public byte* pInterfaceName;
    public void* pFunctionList;
    public CK_FLAGS flags;
}
