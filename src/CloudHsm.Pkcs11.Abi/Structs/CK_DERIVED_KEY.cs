using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_DERIVED_KEY: an additional key an SP 800-108 KDF derives, and where its handle goes.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_DERIVED_KEY
{
    public CK_ATTRIBUTE* pTemplate;
    public CK_ULONG ulAttributeCount;
    public CK_OBJECT_HANDLE* phKey;
}
