using CloudHsm.Pkcs11.Abi;
using static CloudHsm.Core.Objects.AttributePolicy;

namespace CloudHsm.Core.Objects.Tables;

/// <summary>
/// The secret key types: AES (§6.10), DES3 (§6.18), generic secrets (§6.22) and the HMAC key types,
/// which the token treats as generic secrets bound to one hash.
/// </summary>
internal static class SecretKeyTables
{
    /// <summary>CKA_VALUE ^1,4,6,7^ and CKA_VALUE_LEN ^2,3^ (AES, generic secret, HMAC keys). VALUE_LEN
    /// may appear in an unwrap template, where it tells the mechanism how much to keep.</summary>
    public static readonly AttributeRule[] ValueWithLength =
    [
        Rule.Of(CKA.CKA_VALUE, RequiredOnCreate | ForbiddenOnGenerate | ForbiddenOnUnwrap | Sensitive),
        Rule.Of(CKA.CKA_VALUE_LEN, ForbiddenOnCreate | RequiredOnGenerate),
    ];

    /// <summary>DES3 keys have a fixed length and no CKA_VALUE_LEN.</summary>
    public static readonly AttributeRule[] FixedLengthValue =
    [
        Rule.Of(CKA.CKA_VALUE, RequiredOnCreate | ForbiddenOnGenerate | ForbiddenOnUnwrap | Sensitive),
    ];

    public static readonly ValueLengthRule[] AesLengths = [ValueLengthRule.OneOf(CKA.CKA_VALUE, 16, 24, 32)];

    public static readonly ValueLengthRule[] Des3Lengths = [ValueLengthRule.OneOf(CKA.CKA_VALUE, 24)];

    public static readonly ValueLengthRule[] GenericLengths = [ValueLengthRule.NonEmpty(CKA.CKA_VALUE)];

    public static Derivation[] LengthAndCheckValue(DerivationKind checkValue) =>
    [
        new(CKA.CKA_VALUE_LEN, CKA.CKA_VALUE, DerivationKind.ByteLength),
        new(CKA.CKA_CHECK_VALUE, CKA.CKA_VALUE, checkValue),
    ];

    public static Derivation[] CheckValueOnly(DerivationKind checkValue) =>
    [
        new(CKA.CKA_CHECK_VALUE, CKA.CKA_VALUE, checkValue),
    ];

    /// <summary>The HMAC key types. §4.11 defines the KCV by the key type's cipher; these have none, so
    /// the token uses the generic secret's SHA-1 rule for them.</summary>
    public static readonly CKK[] HmacKeyTypes =
    [
        CKK.CKK_SHA_1_HMAC, CKK.CKK_SHA224_HMAC, CKK.CKK_SHA256_HMAC, CKK.CKK_SHA384_HMAC, CKK.CKK_SHA512_HMAC,
    ];
}
