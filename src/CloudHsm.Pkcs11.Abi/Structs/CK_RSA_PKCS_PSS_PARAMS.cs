using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_RSA_PKCS_PSS_PARAMS (PKCS#11 §6.1.8): the PSS hash, MGF (CK_RSA_PKCS_MGF_TYPE) and salt length.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public struct CK_RSA_PKCS_PSS_PARAMS
{
    public CK_MECHANISM_TYPE hashAlg;
    public CK_ULONG mgf;
    public CK_ULONG sLen;
}
