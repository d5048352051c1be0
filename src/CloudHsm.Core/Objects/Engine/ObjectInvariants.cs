using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects.Engine;

/// <summary>What must hold of every object the engine hands out, after any create, copy or change.</summary>
internal static class ObjectInvariants
{
    public static void Establish(ObjectSchema schema, Dictionary<CKA, byte[]> attributes)
    {
        DerivedValues.Apply(schema, attributes);
        foreach (var constraint in schema.Constraints)
            CkrException.ThrowIf(!constraint.IsSatisfiedBy(attributes), CKR.CKR_TEMPLATE_INCONSISTENT, constraint.Describe());
    }

    /// <summary>§4.1 "all the required attributes … MUST be specified when an object is created, either
    /// in the template or by the function itself": footnote 1 attributes, wherever they came from.</summary>
    public static void CheckComplete(ObjectSchema schema, IReadOnlyDictionary<CKA, byte[]> attributes)
    {
        foreach (var rule in schema.Rules)
            CkrException.ThrowIf(rule.Has(AttributePolicy.RequiredOnCreate) && !attributes.ContainsKey(rule.Type),
                CKR.CKR_TEMPLATE_INCOMPLETE, $"{schema.Name} needs {AttributeCatalog.Name(rule.Type)}");
    }
}
