using System.Collections.Frozen;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Attributes;

/// <summary>
/// Every attribute type the core knows, with the encoding of its value (after kryoptic's ATTRMAP).
/// An attribute not listed here is <c>CKR_ATTRIBUTE_TYPE_INVALID</c> wherever it appears.
/// </summary>
public static class AttributeCatalog
{
    private static readonly FrozenDictionary<CKA, AttributeKind> Kinds = new Dictionary<CKA, AttributeKind>
    {
        // Common storage object attributes (PKCS#11 §4.4)
        [CKA.CKA_CLASS] = AttributeKind.ULong,
        [CKA.CKA_TOKEN] = AttributeKind.Bool,
        [CKA.CKA_PRIVATE] = AttributeKind.Bool,
        [CKA.CKA_MODIFIABLE] = AttributeKind.Bool,
        [CKA.CKA_COPYABLE] = AttributeKind.Bool,
        [CKA.CKA_DESTROYABLE] = AttributeKind.Bool,
        [CKA.CKA_LABEL] = AttributeKind.Utf8,
        [CKA.CKA_UNIQUE_ID] = AttributeKind.Utf8,
        // Data objects (§4.5)
        [CKA.CKA_APPLICATION] = AttributeKind.Utf8,
        [CKA.CKA_OBJECT_ID] = AttributeKind.Bytes,
        [CKA.CKA_VALUE] = AttributeKind.Bytes,
        // Certificates (§4.6)
        [CKA.CKA_CERTIFICATE_TYPE] = AttributeKind.ULong,
        [CKA.CKA_TRUSTED] = AttributeKind.Bool,
        [CKA.CKA_CERTIFICATE_CATEGORY] = AttributeKind.ULong,
        [CKA.CKA_CHECK_VALUE] = AttributeKind.Bytes,
        [CKA.CKA_START_DATE] = AttributeKind.Date,
        [CKA.CKA_END_DATE] = AttributeKind.Date,
        [CKA.CKA_PUBLIC_KEY_INFO] = AttributeKind.Bytes,
        [CKA.CKA_SUBJECT] = AttributeKind.Bytes,
        [CKA.CKA_ID] = AttributeKind.Bytes,
        [CKA.CKA_ISSUER] = AttributeKind.Bytes,
        [CKA.CKA_SERIAL_NUMBER] = AttributeKind.Bytes,
        [CKA.CKA_URL] = AttributeKind.Utf8,
        [CKA.CKA_HASH_OF_SUBJECT_PUBLIC_KEY] = AttributeKind.Bytes,
        [CKA.CKA_HASH_OF_ISSUER_PUBLIC_KEY] = AttributeKind.Bytes,
        [CKA.CKA_JAVA_MIDP_SECURITY_DOMAIN] = AttributeKind.ULong,
        [CKA.CKA_NAME_HASH_ALGORITHM] = AttributeKind.ULong,
        // Keys (§4.7-4.10)
        [CKA.CKA_KEY_TYPE] = AttributeKind.ULong,
        [CKA.CKA_DERIVE] = AttributeKind.Bool,
        [CKA.CKA_LOCAL] = AttributeKind.Bool,
        [CKA.CKA_KEY_GEN_MECHANISM] = AttributeKind.ULong,
        [CKA.CKA_ALLOWED_MECHANISMS] = AttributeKind.ULongArray,
        [CKA.CKA_ENCRYPT] = AttributeKind.Bool,
        [CKA.CKA_VERIFY] = AttributeKind.Bool,
        [CKA.CKA_VERIFY_RECOVER] = AttributeKind.Bool,
        [CKA.CKA_WRAP] = AttributeKind.Bool,
        [CKA.CKA_WRAP_TEMPLATE] = AttributeKind.AttributeArray,
        [CKA.CKA_UNWRAP_TEMPLATE] = AttributeKind.AttributeArray,
        [CKA.CKA_DERIVE_TEMPLATE] = AttributeKind.AttributeArray,
        [CKA.CKA_DECRYPT] = AttributeKind.Bool,
        [CKA.CKA_SIGN] = AttributeKind.Bool,
        [CKA.CKA_SIGN_RECOVER] = AttributeKind.Bool,
        [CKA.CKA_UNWRAP] = AttributeKind.Bool,
        [CKA.CKA_SENSITIVE] = AttributeKind.Bool,
        [CKA.CKA_EXTRACTABLE] = AttributeKind.Bool,
        [CKA.CKA_ALWAYS_SENSITIVE] = AttributeKind.Bool,
        [CKA.CKA_NEVER_EXTRACTABLE] = AttributeKind.Bool,
        [CKA.CKA_WRAP_WITH_TRUSTED] = AttributeKind.Bool,
        [CKA.CKA_ALWAYS_AUTHENTICATE] = AttributeKind.Bool,
        [CKA.CKA_VALUE_LEN] = AttributeKind.ULong,
        // RSA (§6.1)
        [CKA.CKA_MODULUS] = AttributeKind.BigInteger,
        [CKA.CKA_MODULUS_BITS] = AttributeKind.ULong,
        [CKA.CKA_PUBLIC_EXPONENT] = AttributeKind.BigInteger,
        [CKA.CKA_PRIVATE_EXPONENT] = AttributeKind.BigInteger,
        [CKA.CKA_PRIME_1] = AttributeKind.BigInteger,
        [CKA.CKA_PRIME_2] = AttributeKind.BigInteger,
        [CKA.CKA_EXPONENT_1] = AttributeKind.BigInteger,
        [CKA.CKA_EXPONENT_2] = AttributeKind.BigInteger,
        [CKA.CKA_COEFFICIENT] = AttributeKind.BigInteger,
        // EC, Edwards, Montgomery (§6.3)
        [CKA.CKA_EC_PARAMS] = AttributeKind.Bytes,
        [CKA.CKA_EC_POINT] = AttributeKind.Bytes,
        // DSA/DH domain values, accepted for completeness of templates
        [CKA.CKA_PRIME] = AttributeKind.BigInteger,
        [CKA.CKA_SUBPRIME] = AttributeKind.BigInteger,
        [CKA.CKA_BASE] = AttributeKind.BigInteger,
    }.ToFrozenDictionary();

    public static bool TryGetKind(CKA type, out AttributeKind kind) => Kinds.TryGetValue(type, out kind);

    public static bool IsKnown(CKA type) => Kinds.ContainsKey(type);

    /// <summary>The names of the attribute types, in the spec's spelling, for logs and errors.</summary>
    public static string Name(CKA type) => Enum.IsDefined(type) ? type.ToString() : $"0x{(uint)type:X8}";
}
