using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects.Engine;

/// <summary>
/// Footnote 7 — "cannot be revealed if object has its CKA_SENSITIVE attribute set to CK_TRUE or its
/// CKA_EXTRACTABLE attribute set to CK_FALSE" — in its one place. Its attribute half
/// (<see cref="IsSecret"/>) also tells the store what to seal.
/// </summary>
internal static class Sensitivity
{
    /// <summary>The attribute carries key material (<see cref="AttributePolicy.Sensitive"/>).</summary>
    public static bool IsSecret(ObjectSchema schema, CKA type) =>
        schema.TryGetRule(type, out var rule) && rule.Has(AttributePolicy.Sensitive);

    /// <summary>The object's state hides its key material.</summary>
    public static bool ConcealsSecrets(HsmObject obj) =>
        obj.GetBool(CKA.CKA_SENSITIVE, whenAbsent: false) || !obj.GetBool(CKA.CKA_EXTRACTABLE, whenAbsent: true);

    public static bool IsWithheld(HsmObject obj, CKA type) => IsSecret(obj.Schema, type) && ConcealsSecrets(obj);
}
