using System.Security.Cryptography;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto.Digests;

namespace CloudHsm.Core.Mechanisms.Mac;

/// <summary>The MAC algorithms and key rules this family shares between its sign mechanisms and the
/// KDFs that use a MAC as their PRF (SP 800-108) or build on HMAC (HKDF).</summary>
internal static class MacAlgorithms
{
    public static readonly MacAlgorithm HmacSha1 = new PlatformHmac(HashAlgorithmName.SHA1, 20);
    public static readonly MacAlgorithm HmacSha224 = new BouncyCastleHmac("HMAC-SHA224", () => new Sha224Digest(), 28);
    public static readonly MacAlgorithm HmacSha256 = new PlatformHmac(HashAlgorithmName.SHA256, 32);
    public static readonly MacAlgorithm HmacSha384 = new PlatformHmac(HashAlgorithmName.SHA384, 48);
    public static readonly MacAlgorithm HmacSha512 = new PlatformHmac(HashAlgorithmName.SHA512, 64);
    public static readonly MacAlgorithm AesCmac = AesCmacAlgorithm.Instance;

    /// <summary>HMAC keys: 1..512 bytes (RFC 2104 allows any length; the bound keeps key handling sane and
    /// matches CKM_GENERIC_SECRET_KEY_GEN's), of the generic secret type or the hash's own HMAC key type
    /// (§6.22; SoftHSM takes the same two).</summary>
    public static MacKeyPolicy HmacKeys(CKK hmacKeyType) =>
        new([CKK.CKK_GENERIC_SECRET, hmacKeyType], GenericSecretKeyGen.MinBytes, GenericSecretKeyGen.MaxBytes);

    /// <summary>AES-CMAC keys: AES, 16, 24 or 32 bytes (the AES key table admits no other length).</summary>
    public static readonly MacKeyPolicy AesKeys = new([CKK.CKK_AES], 16, 32);

    /// <summary>(HMAC mechanism, general-length mechanism, algorithm, HMAC key type) for each hash.</summary>
    public static readonly (CKM Mac, CKM General, MacAlgorithm Algorithm, CKK KeyType)[] Hmacs =
    [
        (CKM.CKM_SHA_1_HMAC, CKM.CKM_SHA_1_HMAC_GENERAL, HmacSha1, CKK.CKK_SHA_1_HMAC),
        (CKM.CKM_SHA224_HMAC, CKM.CKM_SHA224_HMAC_GENERAL, HmacSha224, CKK.CKK_SHA224_HMAC),
        (CKM.CKM_SHA256_HMAC, CKM.CKM_SHA256_HMAC_GENERAL, HmacSha256, CKK.CKK_SHA256_HMAC),
        (CKM.CKM_SHA384_HMAC, CKM.CKM_SHA384_HMAC_GENERAL, HmacSha384, CKK.CKK_SHA384_HMAC),
        (CKM.CKM_SHA512_HMAC, CKM.CKM_SHA512_HMAC_GENERAL, HmacSha512, CKK.CKK_SHA512_HMAC),
    ];

    /// <summary>An SP 800-108 PRF type (§6.42, a CK_MECHANISM_TYPE): the MAC and the base keys it takes,
    /// or null for one this token does not offer.</summary>
    public static (MacAlgorithm Algorithm, MacKeyPolicy Keys)? Prf(ulong prfType)
    {
        if (prfType == (ulong)CKM.CKM_AES_CMAC)
            return (AesCmac, AesKeys);
        foreach (var (mac, _, algorithm, keyType) in Hmacs)
            if (prfType == (ulong)mac)
                return (algorithm, HmacKeys(keyType));
        return null;
    }

    /// <summary>The HMAC over a CK_HKDF_PARAMS prfHashMechanism (a digest mechanism), or null.</summary>
    public static MacAlgorithm? HmacOverHash(ulong hashMechanism) => hashMechanism switch
    {
        (ulong)CKM.CKM_SHA_1 => HmacSha1,
        (ulong)CKM.CKM_SHA224 => HmacSha224,
        (ulong)CKM.CKM_SHA256 => HmacSha256,
        (ulong)CKM.CKM_SHA384 => HmacSha384,
        (ulong)CKM.CKM_SHA512 => HmacSha512,
        _ => null,
    };
}
