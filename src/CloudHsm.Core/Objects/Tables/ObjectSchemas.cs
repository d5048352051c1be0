using System.Collections.Frozen;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects.Tables;

/// <summary>
/// Every object type the token supports, each composed from the spec's class hierarchy
/// (storage object → data / certificate → X.509 / key → public, private, secret key → key type),
/// and the one lookup from (CKA_CLASS, CKA_KEY_TYPE or CKA_CERTIFICATE_TYPE) to its table.
/// </summary>
internal static class ObjectSchemas
{
    public static readonly ObjectSchema Data = new(
        "CKO_DATA", CKO.CKO_DATA, null,
        [StorageTables.StorageObject(privateByDefault: false), DataTables.DataObject]);

    public static readonly ObjectSchema X509Certificate = new(
        "CKO_CERTIFICATE/CKC_X_509", CKO.CKO_CERTIFICATE, (ulong)CKC.CKC_X_509,
        [StorageTables.StorageObject(privateByDefault: false), CertificateTables.Certificate, CertificateTables.X509],
        derivations: CertificateTables.X509Derivations,
        constraints: CertificateTables.X509Constraints);

    public static readonly FrozenDictionary<(CKO Class, ulong SubType), ObjectSchema> Typed = BuildTyped();

    /// <summary>Every supported object type, for tests and tools.</summary>
    public static IEnumerable<ObjectSchema> All => Typed.Values.Prepend(Data);

    /// <summary>The attribute that names a class's subtype, or null for a class without one.</summary>
    public static CKA? SubTypeAttribute(CKO objectClass) => objectClass switch
    {
        CKO.CKO_CERTIFICATE => CKA.CKA_CERTIFICATE_TYPE,
        CKO.CKO_PUBLIC_KEY or CKO.CKO_PRIVATE_KEY or CKO.CKO_SECRET_KEY => CKA.CKA_KEY_TYPE,
        _ => null,
    };

    /// <summary>
    /// The table for a class and subtype read from a template. A missing subtype is
    /// CKR_TEMPLATE_INCOMPLETE (footnote 1 on CKA_KEY_TYPE and CKA_CERTIFICATE_TYPE). A subtype this
    /// token has a table for, but only under another class (CKO_SECRET_KEY with CKK_RSA,
    /// CKO_PRIVATE_KEY with CKK_AES), is a valid value that does not fit the rest of the template:
    /// CKR_TEMPLATE_INCONSISTENT (§4.1.1 item 5). An unsupported class, and a key or certificate type
    /// the token has no table for under any class (CKK_DSA, or no Cryptoki value at all), is
    /// CKR_ATTRIBUTE_VALUE_INVALID (§4.1.1 item 2).
    /// </summary>
    public static ObjectSchema Resolve(CKO objectClass, ulong? subType)
    {
        if (objectClass == CKO.CKO_DATA)
            return Data;
        CKA? subTypeAttribute = SubTypeAttribute(objectClass);
        CkrException.ThrowIf(subTypeAttribute is null, CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"object class {objectClass} is not supported");
        CkrException.ThrowIf(subType is null, CKR.CKR_TEMPLATE_INCOMPLETE, $"{objectClass} needs {subTypeAttribute}");
        if (Typed.TryGetValue((objectClass, subType!.Value), out var schema))
            return schema;
        CkrException.ThrowIf(BelongsToAnotherClass(objectClass, subTypeAttribute!.Value, subType.Value), CKR.CKR_TEMPLATE_INCONSISTENT,
            $"{subTypeAttribute} 0x{subType:X} is not a type of {objectClass}");
        throw new CkrException(CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"{subTypeAttribute} 0x{subType:X} is not supported");
    }

    /// <summary>Some other class named by the same subtype attribute has a table for this subtype.
    /// Comparing the attribute too matters: CKK and CKC values overlap (CKK_RSA and CKC_X_509 are both 0).</summary>
    private static bool BelongsToAnotherClass(CKO objectClass, CKA subTypeAttribute, ulong subType) =>
        Typed.Keys.Any(key => key.Class != objectClass && key.SubType == subType && SubTypeAttribute(key.Class) == subTypeAttribute);

    /// <summary>The table for a template or stored attribute set, from its CKA_CLASS and subtype
    /// attribute. No CKA_CLASS is CKR_TEMPLATE_INCOMPLETE; a class or type value that is not a CK_ULONG
    /// naming something this token supports is CKR_ATTRIBUTE_VALUE_INVALID.</summary>
    public static ObjectSchema Resolve(IReadOnlyDictionary<CKA, byte[]> attributes)
    {
        if (!attributes.TryGetValue(CKA.CKA_CLASS, out var classValue))
            throw new CkrException(CKR.CKR_TEMPLATE_INCOMPLETE, "CKA_CLASS is missing");
        var objectClass = (CKO)ReadTypeValue(CKA.CKA_CLASS, classValue);
        ulong? subType = SubTypeAttribute(objectClass) is CKA subTypeAttribute
            && attributes.TryGetValue(subTypeAttribute, out var subTypeValue)
            ? ReadTypeValue(subTypeAttribute, subTypeValue)
            : null;
        return Resolve(objectClass, subType);
    }

    /// <summary>CKO, CKK and CKC values are 32-bit in this token (and in every platform's headers).</summary>
    private static uint ReadTypeValue(CKA type, byte[] value)
    {
        ulong number = AttributeValues.ToULong(type, value);
        CkrException.ThrowIf(number > uint.MaxValue, CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"{type} 0x{number:X} is out of range");
        return (uint)number;
    }

    private static FrozenDictionary<(CKO, ulong), ObjectSchema> BuildTyped()
    {
        var schemas = new List<ObjectSchema> { X509Certificate };

        foreach (var ec in (CKK[])[CKK.CKK_EC, CKK.CKK_EC_EDWARDS, CKK.CKK_EC_MONTGOMERY])
        {
            schemas.Add(PublicKey(ec, EcTables.PublicKey, lengths: EcTables.PublicKeyLengths));
            schemas.Add(PrivateKey(ec, EcTables.PrivateKey, lengths: EcTables.PrivateKeyLengths));
        }
        schemas.Add(PublicKey(CKK.CKK_RSA, RsaTables.PublicKey, derivations: RsaTables.Derivations));
        schemas.Add(PrivateKey(CKK.CKK_RSA, RsaTables.PrivateKey, derivations: RsaTables.Derivations));

        schemas.Add(SecretKey(CKK.CKK_AES, SecretKeyTables.ValueWithLength, SecretKeyTables.AesLengths,
            SecretKeyTables.LengthAndCheckValue(DerivationKind.CheckValueAesEcb)));
        schemas.Add(SecretKey(CKK.CKK_DES3, SecretKeyTables.FixedLengthValue, SecretKeyTables.Des3Lengths,
            SecretKeyTables.CheckValueOnly(DerivationKind.CheckValueDes3Ecb)));
        // CKK_HKDF (§6.62) is a generic secret for HKDF: same attributes, lengths and check value.
        foreach (var generic in SecretKeyTables.HmacKeyTypes.Prepend(CKK.CKK_GENERIC_SECRET).Append(CKK.CKK_HKDF))
            schemas.Add(SecretKey(generic, SecretKeyTables.ValueWithLength, SecretKeyTables.GenericLengths,
                SecretKeyTables.LengthAndCheckValue(DerivationKind.CheckValueSha1)));

        return schemas.ToFrozenDictionary(s => (s.Class, s.SubType!.Value));
    }

    private static ObjectSchema PublicKey(CKK keyType, AttributeRule[] typeRules,
        ValueLengthRule[]? lengths = null, Derivation[]? derivations = null) => new(
        $"CKO_PUBLIC_KEY/{Name(keyType)}", CKO.CKO_PUBLIC_KEY, (ulong)keyType,
        [StorageTables.StorageObject(privateByDefault: false), KeyTables.Key, KeyTables.PublicKey, typeRules],
        lengths, derivations);

    private static ObjectSchema PrivateKey(CKK keyType, AttributeRule[] typeRules,
        ValueLengthRule[]? lengths = null, Derivation[]? derivations = null) => new(
        $"CKO_PRIVATE_KEY/{Name(keyType)}", CKO.CKO_PRIVATE_KEY, (ulong)keyType,
        [StorageTables.StorageObject(privateByDefault: true), KeyTables.Key, KeyTables.PrivateKey, typeRules],
        lengths, derivations, KeyTables.PrivateKeyConstraints);

    private static ObjectSchema SecretKey(CKK keyType, AttributeRule[] typeRules,
        ValueLengthRule[] lengths, Derivation[] derivations) => new(
        $"CKO_SECRET_KEY/{Name(keyType)}", CKO.CKO_SECRET_KEY, (ulong)keyType,
        [StorageTables.StorageObject(privateByDefault: true), KeyTables.Key, KeyTables.SecretKey, typeRules],
        lengths, derivations);

    /// <summary>CKK_EC and CKK_ECDSA share a value; name it as the 2.40+ spec does.</summary>
    private static string Name(CKK keyType) => keyType == CKK.CKK_EC ? "CKK_EC" : keyType.ToString();
}
