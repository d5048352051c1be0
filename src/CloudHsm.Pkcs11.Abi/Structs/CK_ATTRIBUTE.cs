using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>CK_ATTRIBUTE: one (type, value, length) triple of a template. Field names are the
/// header's, so this file reads side by side with pkcs11t.h.</summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_ATTRIBUTE
{
    public CK_ATTRIBUTE_TYPE type;
    public void* pValue;
    public CK_ULONG ulValueLen;
}
