using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects.Engine;
using CloudHsm.Core.Objects.Tables;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects;

/// <summary>
/// The one attribute-policy engine: create, generate, unwrap, copy, change, read, match and size
/// objects against their type's table (<see cref="ObjectSchemas"/>), with the error codes PKCS#11 §4.1
/// and §5.7 list. Stateless and thread-safe: objects are immutable, so each operation returns a new one.
/// Access checks (who may create private objects, R/O sessions) are the session layer's.
/// </summary>
public static class ObjectEngine
{
    /// <summary>Bytes counted per attribute by <see cref="Size"/>: the type and length header the
    /// store's encoding gives each attribute (<see cref="AttributeCodec"/>, two 32-bit words).</summary>
    public const int AttributeOverhead = 8;

    /// <summary>C_CreateObject.</summary>
    public static HsmObject Create(Template template, ObjectContext context)
    {
        var folded = TemplateFolding.Fold(template);
        var schema = ObjectSchemas.Resolve(folded);
        return ObjectBuilder.Build(schema, ObjectOrigin.Created, folded, NoContributions, mechanism: null, context);
    }

    /// <summary>
    /// One key made by C_GenerateKey or one half of C_GenerateKeyPair. <paramref name="generatedValues"/>
    /// is what the mechanism produced (CKA_VALUE, CKA_MODULUS, CKA_EC_POINT, …); the new key is local,
    /// remembers <paramref name="mechanism"/>, and has always been sensitive / never extractable if it is
    /// so now.
    /// </summary>
    public static HsmObject Generate(CKO objectClass, CKK keyType, Template template,
        IReadOnlyDictionary<CKA, byte[]> generatedValues, CKM mechanism, ObjectContext context)
    {
        CkrException.ThrowIf(objectClass is not (CKO.CKO_PUBLIC_KEY or CKO.CKO_PRIVATE_KEY or CKO.CKO_SECRET_KEY),
            CKR.CKR_TEMPLATE_INCONSISTENT, $"{objectClass} objects are not generated");
        return CreateKey(ObjectOrigin.Generated, objectClass, keyType, template, generatedValues, mechanism, context);
    }

    /// <summary>
    /// The key C_UnwrapKey makes: <paramref name="unwrappedValues"/> is the key material the mechanism
    /// recovered. Like a created key it is not local and has not always been sensitive. Applying the
    /// unwrapping key's CKA_UNWRAP_TEMPLATE is the caller's (§4.10: before the user's template).
    /// </summary>
    public static HsmObject Unwrap(CKO objectClass, CKK keyType, Template template,
        IReadOnlyDictionary<CKA, byte[]> unwrappedValues, ObjectContext context)
    {
        CkrException.ThrowIf(objectClass is not (CKO.CKO_PRIVATE_KEY or CKO.CKO_SECRET_KEY),
            CKR.CKR_TEMPLATE_INCONSISTENT, $"{objectClass} objects are not unwrapped");
        return CreateKey(ObjectOrigin.Unwrapped, objectClass, keyType, template, unwrappedValues, mechanism: null, context);
    }

    /// <summary>
    /// The key C_DeriveKey makes: <paramref name="derivedValues"/> is the key material the mechanism
    /// computed from <paramref name="baseKey"/>. It is not local; it has always been sensitive / never
    /// extractable only if the base key has and it is so now. The base key's CKA_DERIVE_TEMPLATE
    /// (§4.8) joins the caller's template.
    /// </summary>
    public static HsmObject Derive(CKO objectClass, CKK keyType, Template template,
        IReadOnlyDictionary<CKA, byte[]> derivedValues, HsmObject baseKey, ObjectContext context)
    {
        CkrException.ThrowIf(objectClass is not (CKO.CKO_PRIVATE_KEY or CKO.CKO_SECRET_KEY),
            CKR.CKR_TEMPLATE_INCONSISTENT, $"{objectClass} objects are not derived");
        var combined = WithDeriveTemplate(template, baseKey);
        return CreateKey(ObjectOrigin.Derived, objectClass, keyType, combined, derivedValues, mechanism: null, context, baseKey);
    }

    /// <summary>The caller's template followed by the base key's CKA_DERIVE_TEMPLATE; folding makes a
    /// disagreement between the two CKR_TEMPLATE_INCONSISTENT. A mechanism that fills in defaults of its own
    /// applies this first, so that a default never contradicts the base key's template.</summary>
    internal static Template WithDeriveTemplate(Template template, HsmObject baseKey) =>
        baseKey.Attributes.TryGetValue(CKA.CKA_DERIVE_TEMPLATE, out var encoded) && encoded.Length > 0
            ? new Template(template.Concat(AttributeCodec.DecodeTemplate(encoded)))
            : template;

    /// <summary>C_CopyObject: a new object (new <see cref="HsmObject.Uid"/>) with the template's changes.</summary>
    public static HsmObject Copy(HsmObject source, Template template, ObjectContext context)
    {
        CkrException.ThrowIf(!source.IsCopyable, CKR.CKR_ACTION_PROHIBITED, "CKA_COPYABLE is CK_FALSE");
        var attributes = ObjectChanges.Apply(source, template, ChangeKind.Copy, context);
        foreach (var rule in source.Schema.Rules)
            if (rule.Has(AttributePolicy.Ephemeral))
                attributes.Remove(rule.Type);
        return new HsmObject(ObjectUid.New(), source.Schema, attributes);
    }

    /// <summary>C_SetAttributeValue: the next version of <paramref name="obj"/> (same Uid). All or nothing.</summary>
    public static HsmObject SetAttributes(HsmObject obj, Template template, ObjectContext context)
    {
        CkrException.ThrowIf(!obj.IsModifiable, CKR.CKR_ACTION_PROHIBITED, "CKA_MODIFIABLE is CK_FALSE");
        // §4.6.2: "Trusted certificates cannot be modified" — except by the SO, who alone made them trusted.
        CkrException.ThrowIf(obj.Class == CKO.CKO_CERTIFICATE && obj.GetBool(CKA.CKA_TRUSTED) && !context.IsSecurityOfficer,
            CKR.CKR_ACTION_PROHIBITED, "the certificate is trusted");
        return obj.WithAttributes(ObjectChanges.Apply(obj, template, ChangeKind.Set, context));
    }

    /// <summary>C_GetAttributeValue for one attribute (rules 1-2 of §5.7; the boundary does 3-5).
    /// An attribute of the object's type that it does not hold reads as empty; one the type does not
    /// have is <see cref="AttributeReadStatus.TypeInvalid"/> (§5.7 rule 2), whether or not it is a
    /// Cryptoki attribute — unlike a template, where that is CKR_TEMPLATE_INCONSISTENT
    /// (<see cref="AttributeResolution"/>).</summary>
    public static AttributeRead Read(HsmObject obj, CKA type)
    {
        var status = View(obj, type, out var value);
        return new AttributeRead(type, status, status == AttributeReadStatus.Ok ? value.ToArray() : null);
    }

    /// <summary>
    /// C_FindObjects: every template attribute reads (as <see cref="Read"/> would) exactly the given
    /// bytes. Values are normalised, so byte equality is value equality. An attribute the object's type
    /// lacks never matches, and neither does a withheld secret: searching must not test key material.
    /// </summary>
    public static bool Matches(HsmObject obj, Template template)
    {
        foreach (var attribute in template)
            if (View(obj, attribute.Type, out var value) != AttributeReadStatus.Ok || !value.Span.SequenceEqual(attribute.Value))
                return false;
        return true;
    }

    /// <summary>C_GetObjectSize: the attribute values' lengths plus <see cref="AttributeOverhead"/> per
    /// attribute — about what the object costs the store, before sealing.</summary>
    public static ulong Size(HsmObject obj)
    {
        ulong size = 0;
        foreach (var (_, value) in obj.Attributes)
            size += (ulong)(AttributeOverhead + value.Length);
        return size;
    }

    /// <summary>The attribute carries key material (footnote 7): the store seals exactly these, and
    /// <see cref="Read"/> withholds them while the key is sensitive or unextractable.</summary>
    public static bool IsSecret(HsmObject obj, CKA type) => Sensitivity.IsSecret(obj.Schema, type);

    private static readonly Dictionary<CKA, byte[]> NoContributions = [];

    private static HsmObject CreateKey(ObjectOrigin origin, CKO objectClass, CKK keyType, Template template,
        IReadOnlyDictionary<CKA, byte[]> keyMaterial, CKM? mechanism, ObjectContext context, HsmObject? baseKey = null)
    {
        var schema = ObjectSchemas.Resolve(objectClass, (ulong)keyType);
        var contributions = new Dictionary<CKA, byte[]>(keyMaterial)
        {
            [CKA.CKA_CLASS] = AttributeValues.FromULong((ulong)objectClass),
            [CKA.CKA_KEY_TYPE] = AttributeValues.FromULong((ulong)keyType),
        };
        return ObjectBuilder.Build(schema, origin, TemplateFolding.Fold(template), contributions, mechanism, context, baseKey);
    }

    private static AttributeReadStatus View(HsmObject obj, CKA type, out ReadOnlyMemory<byte> value)
    {
        value = ReadOnlyMemory<byte>.Empty;
        if (!obj.Schema.Defines(type))
            return AttributeReadStatus.TypeInvalid;
        if (Sensitivity.IsWithheld(obj, type))
            return AttributeReadStatus.Sensitive;
        value = obj.GetValue(type);
        return AttributeReadStatus.Ok;
    }
}
