using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;
using static CloudHsm.Core.Objects.AttributePolicy;

namespace CloudHsm.Core.Objects.Engine;

/// <summary>
/// The one way a new object comes to be, whichever function creates it (§4.1.1): admit the caller's
/// template, add what the creating function contributes, fill defaults, stamp the key history, derive,
/// check. Nothing is built until every check has passed.
/// </summary>
internal static class ObjectBuilder
{
    /// <param name="template">The caller's attributes, folded.</param>
    /// <param name="contributions">What the function itself supplies (§4.1: the class and key type of a
    /// generated key, the key material a mechanism produced). A template value that disagrees with one
    /// is CKR_TEMPLATE_INCONSISTENT.</param>
    public static HsmObject Build(
        ObjectSchema schema,
        ObjectOrigin origin,
        IReadOnlyDictionary<CKA, byte[]> template,
        IReadOnlyDictionary<CKA, byte[]> contributions,
        CKM? mechanism,
        ObjectContext context,
        HsmObject? baseKey = null)
    {
        var (required, forbidden) = FootnotesFor(origin);
        foreach (var (type, value) in template)
            Admit(schema, type, value, forbidden, context);
        foreach (var rule in schema.Rules)
            CkrException.ThrowIf(required != None && rule.Has(required) && !template.ContainsKey(rule.Type), CKR.CKR_TEMPLATE_INCOMPLETE,
                $"{schema.Name} needs {AttributeCatalog.Name(rule.Type)} in the template");

        var attributes = new Dictionary<CKA, byte[]>(template);
        foreach (var (type, value) in contributions)
            Contribute(schema, attributes, type, value);
        foreach (var rule in schema.Rules)
            if (rule.Has(HasDefault) && !attributes.ContainsKey(rule.Type))
                attributes[rule.Type] = rule.CopyDefault()!;
        KeyLifecycle.Stamp(schema, attributes, origin, mechanism, baseKey);
        ObjectInvariants.Establish(schema, attributes);
        ObjectInvariants.CheckComplete(schema, attributes);
        return new HsmObject(ObjectUid.New(), schema, attributes);
    }

    private static (AttributePolicy Required, AttributePolicy Forbidden) FootnotesFor(ObjectOrigin origin) => origin switch
    {
        ObjectOrigin.Created => (RequiredOnCreate, ForbiddenOnCreate),
        ObjectOrigin.Generated => (RequiredOnGenerate, ForbiddenOnGenerate),
        ObjectOrigin.Unwrapped => (RequiredOnUnwrap, ForbiddenOnUnwrap),
        // No footnote names C_DeriveKey; like an unwrapped key, the mechanism supplies CKA_VALUE and the
        // template may carry CKA_VALUE_LEN, so the unwrap prohibitions apply and nothing more is required.
        ObjectOrigin.Derived => (None, ForbiddenOnUnwrap),
        _ => throw new ArgumentOutOfRangeException(nameof(origin), origin, null),
    };

    private static void Admit(ObjectSchema schema, CKA type, byte[] value, AttributePolicy forbidden, ObjectContext context)
    {
        var rule = AttributeResolution.RuleFor(schema, type);
        CkrException.ThrowIf(rule.Has(NeverSettable) || rule.Has(forbidden), CKR.CKR_ATTRIBUTE_READ_ONLY,
            $"{AttributeCatalog.Name(type)} cannot be given when creating {schema.Name} this way");
        ValueValidator.Check(schema, type, value);
        CkrException.ThrowIf(rule.Has(SoOnlyTrue) && value is [1] && !context.IsSecurityOfficer, CKR.CKR_ATTRIBUTE_READ_ONLY,
            $"only the SO may set {AttributeCatalog.Name(type)}");
    }

    private static void Contribute(ObjectSchema schema, Dictionary<CKA, byte[]> attributes, CKA type, byte[] value)
    {
        // A mechanism contributing an attribute its key type lacks is a bug in the mechanism, not the caller's fault.
        CkrException.ThrowIf(!schema.Defines(type), CKR.CKR_GENERAL_ERROR,
            $"{AttributeCatalog.Name(type)} was contributed but is not an attribute of {schema.Name}");
        ValueValidator.Check(schema, type, value);
        if (attributes.TryGetValue(type, out var given))
            CkrException.ThrowIf(!given.AsSpan().SequenceEqual(value), CKR.CKR_TEMPLATE_INCONSISTENT,
                $"the template's {AttributeCatalog.Name(type)} disagrees with the one the function supplies");
        else
            attributes[type] = (byte[])value.Clone();
    }
}
