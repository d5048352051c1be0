using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_VERSION (pkcs11t.h): two bytes, no padding on any platform.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public struct CK_VERSION
{
    public byte major;
    public byte minor;

    public CK_VERSION(byte major, byte minor)
    {
        this.major = major;
        this.minor = minor;
    }
}
