using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_RSA_PKCS_OAEP_PARAMS (PKCS#11 §6.1.6): hash, MGF (CK_RSA_PKCS_MGF_TYPE), label source
/// (CK_RSA_PKCS_OAEP_SOURCE_TYPE) and the label itself.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_RSA_PKCS_OAEP_PARAMS
{
    public CK_MECHANISM_TYPE hashAlg;
    public CK_ULONG mgf;
    public CK_ULONG source;
    public void* pSourceData;
    public CK_ULONG ulSourceDataLen;
}
