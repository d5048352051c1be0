using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_EDDSA_PARAMS (PKCS#11 3.0 §6.3): the optional parameter of CKM_EDDSA.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_EDDSA_PARAMS
{
    public CK_BBOOL phFlag;
    public CK_ULONG ulContextDataLen;
    public byte* pContextData;
}
