using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_RSA_AES_KEY_WRAP_PARAMS (PKCS#11 §6.1.21): the temporary AES key's size and the OAEP parameters.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_RSA_AES_KEY_WRAP_PARAMS
{
    public CK_ULONG ulAESKeyBits;
    public CK_RSA_PKCS_OAEP_PARAMS* pOAEPParams;
}
