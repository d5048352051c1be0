using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_HKDF_PARAMS (PKCS#11 3.0 §6.62.2): the parameter of CKM_HKDF_DERIVE and CKM_HKDF_DATA.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_HKDF_PARAMS
{
    public CK_BBOOL bExtract;
    public CK_BBOOL bExpand;
    public CK_MECHANISM_TYPE prfHashMechanism;
    public CK_ULONG ulSaltType;
    public byte* pSalt;
    public CK_ULONG ulSaltLen;
    public CK_OBJECT_HANDLE hSaltKey;
    public byte* pInfo;
    public CK_ULONG ulInfoLen;
}
