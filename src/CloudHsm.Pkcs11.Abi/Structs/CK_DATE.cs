using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_DATE: ASCII digits "YYYY" "MM" "DD", not NUL-terminated.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_DATE
{
    public fixed byte year[4];
    public fixed byte month[2];
    public fixed byte day[2];
}
