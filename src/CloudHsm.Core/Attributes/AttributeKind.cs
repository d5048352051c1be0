namespace CloudHsm.Core.Attributes;

/// <summary>
/// How an attribute's value is encoded. Inside the core every value is width-neutral
/// (<see cref="ULong"/> is 8 bytes little-endian whatever the platform's CK_ULONG), so nothing
/// native-width is ever stored or compared.
/// </summary>
public enum AttributeKind
{
    /// <summary>CK_BBOOL: one byte, 0 or 1.</summary>
    Bool,
    /// <summary>CK_ULONG: 8 bytes little-endian.</summary>
    ULong,
    /// <summary>Opaque bytes (CKA_ID, CKA_VALUE, DER encodings).</summary>
    Bytes,
    /// <summary>UTF-8 text (CKA_LABEL, CKA_APPLICATION).</summary>
    Utf8,
    /// <summary>Big-endian unsigned integer (CKA_MODULUS, CKA_PRIME_1, ...).</summary>
    BigInteger,
    /// <summary>CK_DATE: 8 ASCII digits YYYYMMDD, or empty.</summary>
    Date,
    /// <summary>CK_MECHANISM_TYPE array (CKA_ALLOWED_MECHANISMS): 8 bytes little-endian each.</summary>
    ULongArray,
    /// <summary>CK_ATTRIBUTE array (CKA_WRAP_TEMPLATE, ...): encoded with <see cref="AttributeCodec"/>.</summary>
    AttributeArray,
}
