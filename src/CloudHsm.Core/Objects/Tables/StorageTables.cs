using CloudHsm.Pkcs11.Abi;
using static CloudHsm.Core.Objects.AttributePolicy;

namespace CloudHsm.Core.Objects.Tables;

/// <summary>
/// §4.2 common object attributes and §4.4 common storage object attributes: the root of every table.
/// "Only the CKA_LABEL attribute can be modified after the object is created. (The CKA_TOKEN,
/// CKA_PRIVATE, and CKA_MODIFIABLE attributes can be changed in the process of copying an object,
/// however.)" §4.1.3 adds CKA_DESTROYABLE to the attributes a copy may change.
/// </summary>
internal static class StorageTables
{
    /// <param name="privateByDefault">CKA_PRIVATE's default "is token-specific, and may depend on the
    /// values of other attributes": this token makes private and secret keys private, and data objects,
    /// certificates and public keys public (as SoftHSM does for certificates).</param>
    public static AttributeRule[] StorageObject(bool privateByDefault) =>
    [
        Rule.Of(CKA.CKA_CLASS, RequiredOnCreate),
        Rule.Default(CKA.CKA_TOKEN, false, ChangeableOnCopy),
        Rule.Default(CKA.CKA_PRIVATE, privateByDefault, ChangeableOnCopy),
        Rule.Default(CKA.CKA_MODIFIABLE, true, ChangeableOnCopy),
        // "Can't be set to TRUE once it is set to FALSE": may be cleared, never set again.
        Rule.Default(CKA.CKA_COPYABLE, true, Modifiable | LatchesFalse),
        Rule.Default(CKA.CKA_DESTROYABLE, true, ChangeableOnCopy),
        Rule.DefaultEmpty(CKA.CKA_LABEL, Modifiable),
        // Footnotes 2, 4, 6 and "MUST fail … CKR_ATTRIBUTE_READ_ONLY" for any template that names it.
        Rule.Of(CKA.CKA_UNIQUE_ID, NeverSettable | Ephemeral),
    ];
}
