using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>
/// Registers the elliptic curve family (§6.3): key pair generation on the three curve forms, ECDSA, EdDSA
/// and ECDH. Key sizes are field sizes in bits (§6.3): P-256/secp256k1 256, P-384 384, P-521 521,
/// edwards25519/curve25519 255, edwards448/curve448 448.
/// </summary>
internal static class EcMechanisms
{
    /// <summary>CKF_EC_CURVENAME (PKCS#11 3.0): CKA_EC_PARAMS may be the curveName choice. The generated
    /// constants stop at 2.40.</summary>
    private const ulong CKF_EC_CURVENAME = 0x04000000;

    /// <summary>Curves over F_p, named by OID (CKF_EC_OID, the 2.40 CKF_EC_NAMEDCURVE) or by name.</summary>
    private const ulong Named = CKF.CKF_EC_F_P | CKF.CKF_EC_NAMEDCURVE | CKF_EC_CURVENAME;

    /// <summary>Short Weierstrass points are taken and given uncompressed only.</summary>
    private const ulong Weierstrass = Named | CKF.CKF_EC_UNCOMPRESS;

    public static void Register(MechanismRegistry registry)
    {
        registry.Add(CKM.CKM_EC_KEY_PAIR_GEN,
            new EcKeyPairGenMechanism(CurveForm.Weierstrass, new(256, 521, CKF.CKF_GENERATE_KEY_PAIR | Weierstrass)));
        registry.Add(CKM.CKM_EC_EDWARDS_KEY_PAIR_GEN,
            new EcKeyPairGenMechanism(CurveForm.Edwards, new(255, 448, CKF.CKF_GENERATE_KEY_PAIR | Named)));
        registry.Add(CKM.CKM_EC_MONTGOMERY_KEY_PAIR_GEN,
            new EcKeyPairGenMechanism(CurveForm.Montgomery, new(255, 448, CKF.CKF_GENERATE_KEY_PAIR | Named)));

        var ecdsaInfo = new MechanismInfo(256, 521, CKF.CKF_SIGN | CKF.CKF_VERIFY | Weierstrass);
        registry.Add(CKM.CKM_ECDSA, new EcdsaMechanism(hash: null, ecdsaInfo));
        registry.Add(CKM.CKM_ECDSA_SHA1, new EcdsaMechanism(CKM.CKM_SHA_1, ecdsaInfo));
        registry.Add(CKM.CKM_ECDSA_SHA224, new EcdsaMechanism(CKM.CKM_SHA224, ecdsaInfo));
        registry.Add(CKM.CKM_ECDSA_SHA256, new EcdsaMechanism(CKM.CKM_SHA256, ecdsaInfo));
        registry.Add(CKM.CKM_ECDSA_SHA384, new EcdsaMechanism(CKM.CKM_SHA384, ecdsaInfo));
        registry.Add(CKM.CKM_ECDSA_SHA512, new EcdsaMechanism(CKM.CKM_SHA512, ecdsaInfo));

        registry.Add(CKM.CKM_EDDSA, new EdDsaMechanism(new(255, 448, CKF.CKF_SIGN | CKF.CKF_VERIFY | Named)));

        // Weierstrass curves and X25519/X448: the smallest field is curve25519's.
        registry.Add(CKM.CKM_ECDH1_DERIVE, new EcdhDeriveMechanism(new(255, 521, CKF.CKF_DERIVE | Weierstrass)));
    }
}
