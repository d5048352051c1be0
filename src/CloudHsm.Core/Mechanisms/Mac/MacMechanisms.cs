using CloudHsm.Core.Mechanisms.Mac.Kdf;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Mac;

/// <summary>Registers this family: HMAC and AES-CMAC sign/verify (full and general length), generic
/// secret key generation, and the SP 800-108 counter-mode and HKDF key derivations.</summary>
internal static class MacMechanisms
{
    public static void Register(MechanismRegistry registry)
    {
        foreach (var (mac, general, algorithm, keyType) in MacAlgorithms.Hmacs)
        {
            var keys = MacAlgorithms.HmacKeys(keyType);
            registry.Add(mac, new MacSignMechanism(algorithm, keys, general: false));
            registry.Add(general, new MacSignMechanism(algorithm, keys, general: true));
        }
        registry.Add(CKM.CKM_AES_CMAC, new MacSignMechanism(MacAlgorithms.AesCmac, MacAlgorithms.AesKeys, general: false));
        registry.Add(CKM.CKM_AES_CMAC_GENERAL, new MacSignMechanism(MacAlgorithms.AesCmac, MacAlgorithms.AesKeys, general: true));
        registry.Add(CKM.CKM_GENERIC_SECRET_KEY_GEN, new GenericSecretKeyGen());
        registry.Add(CKM.CKM_SP800_108_COUNTER_KDF, new Sp800108CounterKdf());
        registry.Add(CKM.CKM_HKDF_DERIVE, new HkdfDerive());
    }
}
