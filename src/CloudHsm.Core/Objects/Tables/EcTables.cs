using CloudHsm.Pkcs11.Abi;
using static CloudHsm.Core.Objects.AttributePolicy;

namespace CloudHsm.Core.Objects.Tables;

/// <summary>
/// §6.3 elliptic curve keys: short Weierstrass (CKK_EC), Edwards (CKK_EC_EDWARDS) and Montgomery
/// (CKK_EC_MONTGOMERY) keys share one attribute layout.
/// </summary>
internal static class EcTables
{
    /// <summary>CKA_EC_PARAMS ^1,3^, CKA_EC_POINT ^1,4^.</summary>
    public static readonly AttributeRule[] PublicKey =
    [
        Rule.Of(CKA.CKA_EC_PARAMS, RequiredOnCreate | RequiredOnGenerate),
        Rule.Of(CKA.CKA_EC_POINT, RequiredOnCreate | ForbiddenOnGenerate),
    ];

    /// <summary>CKA_EC_PARAMS ^1,4,6^, CKA_VALUE ^1,4,6,7^.</summary>
    public static readonly AttributeRule[] PrivateKey =
    [
        Rule.Of(CKA.CKA_EC_PARAMS, RequiredOnCreate | ForbiddenOnGenerate | ForbiddenOnUnwrap),
        Rule.Of(CKA.CKA_VALUE, RequiredOnCreate | ForbiddenOnGenerate | ForbiddenOnUnwrap | Sensitive),
    ];

    public static readonly ValueLengthRule[] PublicKeyLengths =
    [
        ValueLengthRule.NonEmpty(CKA.CKA_EC_PARAMS),
        ValueLengthRule.NonEmpty(CKA.CKA_EC_POINT),
    ];

    public static readonly ValueLengthRule[] PrivateKeyLengths =
    [
        ValueLengthRule.NonEmpty(CKA.CKA_EC_PARAMS),
        ValueLengthRule.NonEmpty(CKA.CKA_VALUE),
    ];
}
