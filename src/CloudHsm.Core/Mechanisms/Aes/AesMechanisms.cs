using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Aes;

/// <summary>Registers the AES and DES3 mechanisms: key generation, block modes, CTR, GCM and key wrap
/// (PKCS#11 §6.10-6.18), plus AWS CloudHSM's vendor GCM and key-wrap variants (DESIGN "Decisions").</summary>
internal static class AesMechanisms
{
    public static void Register(MechanismRegistry registry)
    {
        registry.Add(CKM.CKM_AES_KEY_GEN, new AesKeyGenMechanism());
        registry.Add(CKM.CKM_AES_ECB, new BlockModeMechanism(BlockCipher.Aes, BlockMode.Ecb));
        registry.Add(CKM.CKM_AES_CBC, new BlockModeMechanism(BlockCipher.Aes, BlockMode.Cbc));
        // Issue 3 lists CBC_PAD and GCM among the wrapping mechanisms (C_WrapKey builds on CKF_WRAP ciphers).
        registry.Add(CKM.CKM_AES_CBC_PAD, new BlockModeMechanism(BlockCipher.Aes, BlockMode.CbcPad, CKF.CKF_WRAP | CKF.CKF_UNWRAP));
        registry.Add(CKM.CKM_AES_CTR, new AesCtrMechanism());
        registry.Add(CKM.CKM_AES_GCM, new AesGcmMechanism(tokenGeneratesIv: false));
        registry.Add(CKM.CKM_CLOUDHSM_AES_GCM, new AesGcmMechanism(tokenGeneratesIv: true));

        registry.Add(CKM.CKM_AES_KEY_WRAP, new AesKeyWrapMechanism(WrapPadding.None, WrapIvRule.Optional));
        // §6.16 (2.40 text): CKM_AES_KEY_WRAP_PAD is PKCS #7 padding to whole semiblocks, then RFC 3394 —
        // exactly what 3.x renamed CKM_AES_KEY_WRAP_PKCS7.
        registry.Add(CKM.CKM_AES_KEY_WRAP_PAD, new AesKeyWrapMechanism(WrapPadding.Pkcs7, WrapIvRule.Optional));
        registry.Add(CKM.CKM_AES_KEY_WRAP_PKCS7, new AesKeyWrapMechanism(WrapPadding.Pkcs7, WrapIvRule.Optional));
        registry.Add(CKM.CKM_AES_KEY_WRAP_KWP, new AesKeyWrapMechanism(WrapPadding.Kwp, WrapIvRule.Optional));
        // AWS CloudHSM "AES key wrapping": NO_PAD is RFC 3394, PKCS5_PAD is PKCS #5 padding then RFC 3394,
        // both taking no IV or the default one; ZERO_PAD is RFC 5649 ("adds zeros … RFC 5649 and SP 800-38F",
        // explicit IV not allowed) — which also lets unwrap recover the exact key length.
        registry.Add(CKM.CKM_CLOUDHSM_AES_KEY_WRAP_NO_PAD, new AesKeyWrapMechanism(WrapPadding.None, WrapIvRule.DefaultOnly));
        registry.Add(CKM.CKM_CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD, new AesKeyWrapMechanism(WrapPadding.Pkcs7, WrapIvRule.DefaultOnly));
        registry.Add(CKM.CKM_CLOUDHSM_AES_KEY_WRAP_ZERO_PAD, new AesKeyWrapMechanism(WrapPadding.Kwp, WrapIvRule.None));

        registry.Add(CKM.CKM_DES3_KEY_GEN, new Des3KeyGenMechanism());
        registry.Add(CKM.CKM_DES3_ECB, new BlockModeMechanism(BlockCipher.Des3, BlockMode.Ecb));
        registry.Add(CKM.CKM_DES3_CBC, new BlockModeMechanism(BlockCipher.Des3, BlockMode.Cbc));
        registry.Add(CKM.CKM_DES3_CBC_PAD, new BlockModeMechanism(BlockCipher.Des3, BlockMode.CbcPad));
    }
}
