using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_ECDH1_DERIVE_PARAMS (PKCS#11 §6.3): the parameter of CKM_ECDH1_DERIVE.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_ECDH1_DERIVE_PARAMS
{
    /// <summary>CK_EC_KDF_TYPE.</summary>
    public CK_ULONG kdf;
    public CK_ULONG ulSharedDataLen;
    public byte* pSharedData;
    public CK_ULONG ulPublicDataLen;
    public byte* pPublicData;
}
