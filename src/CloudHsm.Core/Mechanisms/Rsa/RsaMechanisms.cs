using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Rsa;

/// <summary>
/// Registers the RSA family (PKCS#11 §6.1). Key sizes are in bits: <see cref="RsaKey.MinBits"/>..
/// <see cref="RsaKey.MaxBits"/> for use, <see cref="RsaKeyPairGenMechanism.MinBits"/>..
/// <see cref="RsaKeyPairGenMechanism.MaxBits"/> for generation. CKM_RSA_PKCS and CKM_RSA_PKCS_OAEP carry
/// CKF_WRAP|CKF_UNWRAP (§6.1 table: both wrap secret keys); CKM_RSA_AES_KEY_WRAP does nothing else. Raw
/// CKM_RSA_X_509 does not wrap: key material without padding is not a transport this token offers.
/// </summary>
internal static class RsaMechanisms
{
    private const ulong WrapFlags = CKF.CKF_WRAP | CKF.CKF_UNWRAP;

    public static void Register(MechanismRegistry registry)
    {
        registry.Add(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, new RsaKeyPairGenMechanism());

        registry.Add(CKM.CKM_RSA_PKCS, new RsaMultiPurposeMechanism<Pkcs1Scheme>(Pkcs1Scheme.Instance, WrapFlags));
        registry.Add(CKM.CKM_RSA_X_509, new RsaMultiPurposeMechanism<RawScheme>(RawScheme.Instance, 0));

        registry.Add(CKM.CKM_SHA1_RSA_PKCS, new RsaSignMechanism(RsaHash.Sha1, pss: false));
        registry.Add(CKM.CKM_SHA224_RSA_PKCS, new RsaSignMechanism(RsaHash.Sha224, pss: false));
        registry.Add(CKM.CKM_SHA256_RSA_PKCS, new RsaSignMechanism(RsaHash.Sha256, pss: false));
        registry.Add(CKM.CKM_SHA384_RSA_PKCS, new RsaSignMechanism(RsaHash.Sha384, pss: false));
        registry.Add(CKM.CKM_SHA512_RSA_PKCS, new RsaSignMechanism(RsaHash.Sha512, pss: false));

        registry.Add(CKM.CKM_RSA_PKCS_PSS, new RsaSignMechanism(null, pss: true));
        registry.Add(CKM.CKM_SHA1_RSA_PKCS_PSS, new RsaSignMechanism(RsaHash.Sha1, pss: true));
        registry.Add(CKM.CKM_SHA224_RSA_PKCS_PSS, new RsaSignMechanism(RsaHash.Sha224, pss: true));
        registry.Add(CKM.CKM_SHA256_RSA_PKCS_PSS, new RsaSignMechanism(RsaHash.Sha256, pss: true));
        registry.Add(CKM.CKM_SHA384_RSA_PKCS_PSS, new RsaSignMechanism(RsaHash.Sha384, pss: true));
        registry.Add(CKM.CKM_SHA512_RSA_PKCS_PSS, new RsaSignMechanism(RsaHash.Sha512, pss: true));

        registry.Add(CKM.CKM_RSA_PKCS_OAEP, new RsaCipherMechanism(CKF.CKF_ENCRYPT | CKF.CKF_DECRYPT | WrapFlags,
            static m => OaepScheme.Create(m.Parameter as RsaOaepParameter ?? NoParameter(m, "CK_RSA_PKCS_OAEP_PARAMS"))));
        registry.Add(CKM.CKM_RSA_AES_KEY_WRAP, new RsaCipherMechanism(WrapFlags, RsaAesKeyWrapScheme.Create));
    }

    private static RsaOaepParameter NoParameter(Mechanism mechanism, string structure) =>
        throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, $"{mechanism.Type} needs a {structure} parameter");
}
