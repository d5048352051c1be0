using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects.Engine;

/// <summary>
/// Resolves an attribute a caller's template names against the object's table: the one place that
/// decides what naming an attribute the type does not have means, for every function that takes a
/// template (C_CreateObject, C_GenerateKey(Pair), C_UnwrapKey, C_CopyObject, C_SetAttributeValue).
/// </summary>
/// <remarks>
/// §4.1.1 separates two cases, and §4.1.2/§4.1.3 apply both to changes and copies:
/// <list type="bullet">
/// <item>Item 1: an attribute that is no Cryptoki attribute at all (unknown to
/// <see cref="AttributeCatalog"/>) is CKR_ATTRIBUTE_TYPE_INVALID. The boundary already refuses these;
/// the engine answers the same for callers inside the core.</item>
/// <item>Item 5: a valid attribute that belongs to other object types — "a secret key object with an
/// attribute which is appropriate for various types of public keys or private keys, but not for secret
/// keys" — is CKR_TEMPLATE_INCONSISTENT.</item>
/// </list>
/// C_GetAttributeValue has its own rule (§5.7: CKR_ATTRIBUTE_TYPE_INVALID for any attribute the object
/// lacks), and so does matching (it never matches): see <see cref="ObjectEngine.Read"/> and
/// <see cref="ObjectEngine.Matches"/>. A key or certificate type that belongs to another class is
/// decided the same way when the table itself is chosen (<see cref="Tables.ObjectSchemas.Resolve(CKO, ulong?)"/>).
/// </remarks>
internal static class AttributeResolution
{
    /// <summary>The table row for <paramref name="type"/> in a caller's template for an object of
    /// <paramref name="schema"/>'s type.</summary>
    public static AttributeRule RuleFor(ObjectSchema schema, CKA type)
    {
        if (schema.TryGetRule(type, out var rule))
            return rule;
        string name = AttributeCatalog.Name(type);
        CkrException.ThrowIf(!AttributeCatalog.IsKnown(type), CKR.CKR_ATTRIBUTE_TYPE_INVALID, $"{name} is not a known attribute");
        throw new CkrException(CKR.CKR_TEMPLATE_INCONSISTENT, $"{name} is not an attribute of {schema.Name}");
    }
}
