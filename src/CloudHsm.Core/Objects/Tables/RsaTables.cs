using CloudHsm.Pkcs11.Abi;
using static CloudHsm.Core.Objects.AttributePolicy;

namespace CloudHsm.Core.Objects.Tables;

/// <summary>§6.1.2-6.1.3 RSA public and private key objects (CKK_RSA).</summary>
internal static class RsaTables
{
    /// <summary>CKA_MODULUS ^1,4^, CKA_MODULUS_BITS ^2,3^, CKA_PUBLIC_EXPONENT ^1^ (the key pair
    /// mechanism supplies 65537 when a generate template omits it).</summary>
    public static readonly AttributeRule[] PublicKey =
    [
        Rule.Of(CKA.CKA_MODULUS, RequiredOnCreate | ForbiddenOnGenerate),
        Rule.Of(CKA.CKA_MODULUS_BITS, ForbiddenOnCreate | RequiredOnGenerate),
        Rule.Of(CKA.CKA_PUBLIC_EXPONENT, RequiredOnCreate),
    ];

    /// <summary>
    /// CKA_MODULUS, CKA_PUBLIC_EXPONENT ^1,4,6^, CKA_PRIVATE_EXPONENT ^1,4,6,7^, the CRT values ^4,6,7^.
    /// Token choices: the CRT values are required on create as well — §6.1.3 lets a token that needs
    /// more attributes answer CKR_TEMPLATE_INCOMPLETE, and the BCL's RSA cannot use a private key
    /// without them. CKA_MODULUS_BITS, which the spec defines for public keys only, is also offered on
    /// private keys (derived, never settable), as CloudHSM does, so callers can size a key from either half.
    /// </summary>
    public static readonly AttributeRule[] PrivateKey =
    [
        Rule.Of(CKA.CKA_MODULUS, RequiredOnCreate | ForbiddenOnGenerate | ForbiddenOnUnwrap),
        Rule.Of(CKA.CKA_PUBLIC_EXPONENT, RequiredOnCreate | ForbiddenOnGenerate | ForbiddenOnUnwrap),
        Rule.Of(CKA.CKA_PRIVATE_EXPONENT, RequiredOnCreate | ForbiddenOnGenerate | ForbiddenOnUnwrap | Sensitive),
        Rule.Of(CKA.CKA_PRIME_1, RequiredOnCreate | ForbiddenOnGenerate | ForbiddenOnUnwrap | Sensitive),
        Rule.Of(CKA.CKA_PRIME_2, RequiredOnCreate | ForbiddenOnGenerate | ForbiddenOnUnwrap | Sensitive),
        Rule.Of(CKA.CKA_EXPONENT_1, RequiredOnCreate | ForbiddenOnGenerate | ForbiddenOnUnwrap | Sensitive),
        Rule.Of(CKA.CKA_EXPONENT_2, RequiredOnCreate | ForbiddenOnGenerate | ForbiddenOnUnwrap | Sensitive),
        Rule.Of(CKA.CKA_COEFFICIENT, RequiredOnCreate | ForbiddenOnGenerate | ForbiddenOnUnwrap | Sensitive),
        Rule.Of(CKA.CKA_MODULUS_BITS, TokenAssigned),
    ];

    public static readonly Derivation[] Derivations =
    [
        new(CKA.CKA_MODULUS_BITS, CKA.CKA_MODULUS, DerivationKind.BitLength),
    ];
}
