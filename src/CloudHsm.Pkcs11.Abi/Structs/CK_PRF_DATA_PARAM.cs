using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_PRF_DATA_PARAM: one segment of the PRF input; type is a CK_PRF_DATA_TYPE.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_PRF_DATA_PARAM
{
    public CK_ULONG type;
    public void* pValue;
    public CK_ULONG ulValueLen;
}
