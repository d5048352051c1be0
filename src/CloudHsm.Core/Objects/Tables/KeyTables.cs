using CloudHsm.Pkcs11.Abi;
using static CloudHsm.Core.Objects.AttributePolicy;

namespace CloudHsm.Core.Objects.Tables;

/// <summary>
/// §4.7-4.11: the attributes every key has, then those of public, private and secret keys.
/// </summary>
/// <remarks>
/// Token choices where the spec leaves the default to the token (footnote 9):
/// <list type="bullet">
/// <item>Usage flags (CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_SIGN_RECOVER,
/// CKA_VERIFY_RECOVER, CKA_WRAP, CKA_UNWRAP) default to CK_TRUE, as in SoftHSM and CloudHSM: a key
/// imported without flags is usable for what its type can do. CKA_DERIVE defaults to CK_FALSE (§4.8).</item>
/// <item>CKA_SENSITIVE defaults to CK_TRUE for private and secret keys (the spec says CK_FALSE for
/// secret keys): an HSM never reveals key material unless asked to at creation.</item>
/// <item>CKA_EXTRACTABLE defaults to CK_TRUE, as in CloudHSM: the key may be wrapped (encrypted under
/// another key), never read in plaintext while sensitive. Set CK_FALSE to pin a key to the token;
/// that latches (footnote 12).</item>
/// </list>
/// </remarks>
internal static class KeyTables
{
    /// <summary>§4.8 common key attributes. CKA_ALLOWED_MECHANISMS has no footnote 8, so it is fixed at
    /// creation; its empty default means "no restriction".</summary>
    public static readonly AttributeRule[] Key =
    [
        Rule.Of(CKA.CKA_KEY_TYPE, RequiredOnCreate | RequiredOnUnwrap),
        Rule.DefaultEmpty(CKA.CKA_ID, Modifiable),
        Rule.DefaultEmpty(CKA.CKA_START_DATE, Modifiable),
        Rule.DefaultEmpty(CKA.CKA_END_DATE, Modifiable),
        Rule.Default(CKA.CKA_DERIVE, false, Modifiable),
        Rule.Of(CKA.CKA_LOCAL, TokenAssigned),
        Rule.Of(CKA.CKA_KEY_GEN_MECHANISM, TokenAssigned),
        Rule.DefaultEmpty(CKA.CKA_ALLOWED_MECHANISMS),
    ];

    /// <summary>§4.9 common public key attributes.</summary>
    public static readonly AttributeRule[] PublicKey =
    [
        Rule.DefaultEmpty(CKA.CKA_SUBJECT, Modifiable),
        Rule.Default(CKA.CKA_ENCRYPT, true, Modifiable),
        Rule.Default(CKA.CKA_VERIFY, true, Modifiable),
        Rule.Default(CKA.CKA_VERIFY_RECOVER, true, Modifiable),
        Rule.Default(CKA.CKA_WRAP, true, Modifiable),
        Rule.Default(CKA.CKA_TRUSTED, false, Modifiable | SoOnlyTrue),
        Rule.Of(CKA.CKA_WRAP_TEMPLATE),
        Rule.Of(CKA.CKA_PUBLIC_KEY_INFO),
    ];

    /// <summary>§4.10 common private key attributes.</summary>
    public static readonly AttributeRule[] PrivateKey =
    [
        Rule.DefaultEmpty(CKA.CKA_SUBJECT, Modifiable),
        Rule.Default(CKA.CKA_SENSITIVE, true, Modifiable | LatchesTrue),
        Rule.Default(CKA.CKA_DECRYPT, true, Modifiable),
        Rule.Default(CKA.CKA_SIGN, true, Modifiable),
        Rule.Default(CKA.CKA_SIGN_RECOVER, true, Modifiable),
        Rule.Default(CKA.CKA_UNWRAP, true, Modifiable),
        Rule.Default(CKA.CKA_EXTRACTABLE, true, Modifiable | LatchesFalse),
        Rule.Of(CKA.CKA_ALWAYS_SENSITIVE, TokenAssigned),
        Rule.Of(CKA.CKA_NEVER_EXTRACTABLE, TokenAssigned),
        Rule.Default(CKA.CKA_WRAP_WITH_TRUSTED, false, Modifiable | LatchesTrue),
        Rule.Of(CKA.CKA_UNWRAP_TEMPLATE),
        Rule.Default(CKA.CKA_ALWAYS_AUTHENTICATE, false),
        Rule.Of(CKA.CKA_PUBLIC_KEY_INFO),
        Rule.Of(CKA.CKA_DERIVE_TEMPLATE),
    ];

    /// <summary>§4.10: "This attribute may only be set to CK_TRUE when CKA_PRIVATE is also CK_TRUE."</summary>
    public static readonly ObjectConstraint[] PrivateKeyConstraints =
    [
        new TrueRequiresTrue(CKA.CKA_ALWAYS_AUTHENTICATE, CKA.CKA_PRIVATE),
    ];

    /// <summary>§4.11 common secret key attributes. CKA_CHECK_VALUE is derived per key type (see
    /// <see cref="SecretKeyTables"/>); it is modifiable only in the sense §4.11 gives it: a caller may
    /// destroy it by setting it empty, or restate the value the token computes.</summary>
    public static readonly AttributeRule[] SecretKey =
    [
        Rule.Default(CKA.CKA_SENSITIVE, true, Modifiable | LatchesTrue),
        Rule.Default(CKA.CKA_ENCRYPT, true, Modifiable),
        Rule.Default(CKA.CKA_DECRYPT, true, Modifiable),
        Rule.Default(CKA.CKA_SIGN, true, Modifiable),
        Rule.Default(CKA.CKA_VERIFY, true, Modifiable),
        Rule.Default(CKA.CKA_WRAP, true, Modifiable),
        Rule.Default(CKA.CKA_UNWRAP, true, Modifiable),
        Rule.Default(CKA.CKA_EXTRACTABLE, true, Modifiable | LatchesFalse),
        Rule.Of(CKA.CKA_ALWAYS_SENSITIVE, TokenAssigned),
        Rule.Of(CKA.CKA_NEVER_EXTRACTABLE, TokenAssigned),
        Rule.Of(CKA.CKA_CHECK_VALUE, Modifiable),
        Rule.Default(CKA.CKA_WRAP_WITH_TRUSTED, false, Modifiable | LatchesTrue),
        Rule.Default(CKA.CKA_TRUSTED, false, Modifiable | SoOnlyTrue),
        Rule.Of(CKA.CKA_WRAP_TEMPLATE),
        Rule.Of(CKA.CKA_UNWRAP_TEMPLATE),
        Rule.Of(CKA.CKA_DERIVE_TEMPLATE),
    ];
}
