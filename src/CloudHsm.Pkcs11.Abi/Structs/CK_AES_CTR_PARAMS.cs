using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_AES_CTR_PARAMS (§6.11): the number of counter bits and the initial counter block.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_AES_CTR_PARAMS
{
    public CK_ULONG ulCounterBits;
    public fixed byte cb[16];
}
