using CloudHsm.Pkcs11.Abi;
using static CloudHsm.Core.Objects.AttributePolicy;

namespace CloudHsm.Core.Objects.Tables;

/// <summary>
/// §4.6 certificate objects. Only CKC_X_509 is supported; any other certificate type is
/// CKR_ATTRIBUTE_VALUE_INVALID (PKCS#11 has no CKR_CERTIFICATE_TYPE_INVALID).
/// </summary>
internal static class CertificateTables
{
    /// <summary>§4.6.2 common certificate attributes. CKA_CERTIFICATE_TYPE and CKA_CERTIFICATE_CATEGORY
    /// "may not be modified after an object is created"; CKA_TRUSTED is set to true only by the SO
    /// (footnote 10) — the engine also refuses any change to a trusted certificate by anyone else
    /// ("Trusted certificates cannot be modified").</summary>
    public static readonly AttributeRule[] Certificate =
    [
        Rule.Of(CKA.CKA_CERTIFICATE_TYPE, RequiredOnCreate),
        Rule.Default(CKA.CKA_TRUSTED, false, Modifiable | SoOnlyTrue),
        Rule.Default(CKA.CKA_CERTIFICATE_CATEGORY, 0UL), // CK_CERTIFICATE_CATEGORY_UNSPECIFIED
        Rule.Of(CKA.CKA_CHECK_VALUE), // derived from CKA_VALUE, see X509
        Rule.DefaultEmpty(CKA.CKA_START_DATE),
        Rule.DefaultEmpty(CKA.CKA_END_DATE),
        Rule.DefaultEmpty(CKA.CKA_PUBLIC_KEY_INFO),
    ];

    /// <summary>§4.6.3 X.509 public key certificates: "Only the CKA_ID, CKA_ISSUER, and
    /// CKA_SERIAL_NUMBER attributes may be modified after the object is created."</summary>
    public static readonly AttributeRule[] X509 =
    [
        Rule.Of(CKA.CKA_SUBJECT, RequiredOnCreate),
        Rule.DefaultEmpty(CKA.CKA_ID, Modifiable),
        Rule.DefaultEmpty(CKA.CKA_ISSUER, Modifiable),
        Rule.DefaultEmpty(CKA.CKA_SERIAL_NUMBER, Modifiable),
        Rule.Of(CKA.CKA_VALUE, RequiredOnCreate),
        Rule.DefaultEmpty(CKA.CKA_URL),
        Rule.DefaultEmpty(CKA.CKA_HASH_OF_SUBJECT_PUBLIC_KEY),
        Rule.DefaultEmpty(CKA.CKA_HASH_OF_ISSUER_PUBLIC_KEY),
        Rule.Default(CKA.CKA_JAVA_MIDP_SECURITY_DOMAIN, 0UL), // CK_SECURITY_DOMAIN_UNSPECIFIED
        // "If the attribute is not present then the type defaults to SHA-1."
        Rule.Default(CKA.CKA_NAME_HASH_ALGORITHM, (ulong)CKM.CKM_SHA_1),
    ];

    /// <summary>"CKA_CHECK_VALUE: … the first three bytes of the SHA-1 hash of the certificate object's
    /// CKA_VALUE attribute."</summary>
    public static readonly Derivation[] X509Derivations =
    [
        new(CKA.CKA_CHECK_VALUE, CKA.CKA_VALUE, DerivationKind.CheckValueSha1),
    ];

    /// <summary>X.509 table note 2: CKA_VALUE "MUST be non-empty if CKA_URL is empty".</summary>
    public static readonly ObjectConstraint[] X509Constraints =
    [
        new OneNonEmpty(CKA.CKA_VALUE, CKA.CKA_URL),
    ];
}
