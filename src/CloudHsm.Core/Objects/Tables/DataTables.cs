using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects.Tables;

/// <summary>
/// §4.5 data objects. None of these attributes is marked modifiable (footnote 8), so, like SoftHSM,
/// the token treats a data object's value as fixed once created.
/// </summary>
internal static class DataTables
{
    public static readonly AttributeRule[] DataObject =
    [
        Rule.DefaultEmpty(CKA.CKA_APPLICATION),
        Rule.DefaultEmpty(CKA.CKA_OBJECT_ID),
        Rule.DefaultEmpty(CKA.CKA_VALUE),
    ];
}
