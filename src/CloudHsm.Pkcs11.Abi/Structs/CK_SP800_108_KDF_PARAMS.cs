using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_SP800_108_KDF_PARAMS (PKCS#11 3.0 §6.42.2): the parameter of CKM_SP800_108_COUNTER_KDF
/// and CKM_SP800_108_DOUBLE_PIPELINE_KDF. prfType is a CK_SP800_108_PRF_TYPE (a CK_MECHANISM_TYPE).</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_SP800_108_KDF_PARAMS
{
    public CK_MECHANISM_TYPE prfType;
    public CK_ULONG ulNumberOfDataParams;
    public CK_PRF_DATA_PARAM* pDataParams;
    public CK_ULONG ulAdditionalDerivedKeys;
    public CK_DERIVED_KEY* pAdditionalDerivedKeys;
}
