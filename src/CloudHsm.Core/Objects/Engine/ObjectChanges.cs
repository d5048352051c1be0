using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;
using static CloudHsm.Core.Objects.AttributePolicy;

namespace CloudHsm.Core.Objects.Engine;

/// <summary>Which function is changing attributes of an existing object.</summary>
internal enum ChangeKind
{
    /// <summary>C_SetAttributeValue (§4.1.2): modifiable attributes only.</summary>
    Set,
    /// <summary>C_CopyObject (§4.1.3): modifiable attributes plus CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE
    /// and CKA_DESTROYABLE.</summary>
    Copy,
}

/// <summary>
/// Applies a C_SetAttributeValue or C_CopyObject template to an object's attributes. The whole
/// template is checked before the result exists, and the object itself is never touched (it is
/// immutable), so a failed change leaves nothing half done.
/// </summary>
internal static class ObjectChanges
{
    public static Dictionary<CKA, byte[]> Apply(HsmObject obj, Template template, ChangeKind kind, ObjectContext context)
    {
        var schema = obj.Schema;
        var attributes = new Dictionary<CKA, byte[]>(obj.Attributes);
        foreach (var (type, value) in TemplateFolding.Fold(template))
        {
            Admit(obj, type, value, kind, context);
            attributes[type] = value;
        }
        ObjectInvariants.Establish(schema, attributes);
        return attributes;
    }

    private static void Admit(HsmObject obj, CKA type, byte[] value, ChangeKind kind, ObjectContext context)
    {
        var rule = AttributeResolution.RuleFor(obj.Schema, type);
        string name = AttributeCatalog.Name(type);
        bool changeable = !rule.Has(NeverSettable)
            && (rule.Has(Modifiable) || (kind == ChangeKind.Copy && rule.Has(ChangeableOnCopy)));
        CkrException.ThrowIf(!changeable, CKR.CKR_ATTRIBUTE_READ_ONLY, $"{name} cannot be changed by {kind}");
        ValueValidator.Check(obj.Schema, type, value);

        bool wasTrue = obj.GetBool(type);
        bool becomesTrue = value is [1];
        CkrException.ThrowIf(rule.Has(LatchesTrue) && wasTrue && !becomesTrue, CKR.CKR_ATTRIBUTE_READ_ONLY,
            $"{name} cannot be changed once CK_TRUE");
        CkrException.ThrowIf(rule.Has(LatchesFalse) && !wasTrue && becomesTrue, CKR.CKR_ATTRIBUTE_READ_ONLY,
            $"{name} cannot be changed once CK_FALSE");
        // Restating CK_TRUE is no change, so a copy of a trusted object may say so.
        CkrException.ThrowIf(rule.Has(SoOnlyTrue) && becomesTrue && !wasTrue && !context.IsSecurityOfficer,
            CKR.CKR_ATTRIBUTE_READ_ONLY, $"only the SO may set {name}");
    }
}
