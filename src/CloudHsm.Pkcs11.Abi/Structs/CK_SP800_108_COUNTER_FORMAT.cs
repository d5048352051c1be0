using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_SP800_108_COUNTER_FORMAT: how a counter (the counter-mode iteration variable) is encoded.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public struct CK_SP800_108_COUNTER_FORMAT
{
    public CK_BBOOL bLittleEndian;
    public CK_ULONG ulWidthInBits;
}
