using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_SP800_108_DKM_LENGTH_FORMAT: how the derived keying material's length [L] is computed
/// (dkmLengthMethod, a CK_SP800_108_DKM_LENGTH_METHOD) and encoded.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public struct CK_SP800_108_DKM_LENGTH_FORMAT
{
    public CK_ULONG dkmLengthMethod;
    public CK_BBOOL bLittleEndian;
    public CK_ULONG ulWidthInBits;
}
