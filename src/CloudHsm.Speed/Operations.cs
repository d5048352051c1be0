using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Speed;

internal enum OpKind { Sign, Verify, Gcm, Cbc, Digest, KeygenRsa, KeygenEc, Find, OpenClose, Rss, Initialize, InitializeFind }

/// <summary>The key an operation needs (p11bench's KEY_*).</summary>
internal enum KeyKind { None = -1, Rsa, Ec, Ed, Aes, Hmac }

/// <summary>The sign/verify variants shared by the sign- and verify-style operations (p11bench's SV_*).</summary>
internal enum SigVariant { None = -1, RsaPkcs, RsaPss, EcdsaSha256, EcdsaRaw, EdDsa, Hmac }

/// <summary>One measured operation. The first sixteen are p11bench's, with its names, sequences and
/// checks; the last three are start-up measurements of this tool.</summary>
internal sealed record OpDef(
    string Name, OpKind Kind, SigVariant Variant, CKM[] Required, KeyKind Key, long BytesPerOp, bool Slow, string Description);

internal static class Operations
{
    public const int GcmIn = 1024;
    public const int GcmTag = 16;
    public const int CbcTotal = 1024 * 1024;
    public const int CbcChunk = 64 * 1024;
    public const int RssSessions = 100;

    public static readonly OpDef[] All =
    [
        new("rsa2048-sign", OpKind.Sign, SigVariant.RsaPkcs, [CKM.CKM_SHA256_RSA_PKCS], KeyKind.Rsa, 0, false,
            "C_SignInit+C_Sign, CKM_SHA256_RSA_PKCS, 32-byte message"),
        new("rsa2048-verify", OpKind.Verify, SigVariant.RsaPkcs, [CKM.CKM_SHA256_RSA_PKCS], KeyKind.Rsa, 0, false,
            "C_VerifyInit+C_Verify, CKM_SHA256_RSA_PKCS, 32-byte message"),
        new("rsa2048-pss-sign", OpKind.Sign, SigVariant.RsaPss, [CKM.CKM_SHA256_RSA_PKCS_PSS], KeyKind.Rsa, 0, false,
            "CKM_SHA256_RSA_PKCS_PSS (MGF1-SHA256, salt 32), 32-byte message"),
        new("ecdsa-p256-sign", OpKind.Sign, SigVariant.EcdsaSha256, [CKM.CKM_ECDSA_SHA256], KeyKind.Ec, 0, false,
            "CKM_ECDSA_SHA256, 32-byte message"),
        new("ecdsa-p256-verify", OpKind.Verify, SigVariant.EcdsaSha256, [CKM.CKM_ECDSA_SHA256], KeyKind.Ec, 0, false,
            "CKM_ECDSA_SHA256, 32-byte message"),
        new("ecdsa-p256-sign-prehash", OpKind.Sign, SigVariant.EcdsaRaw, [CKM.CKM_ECDSA], KeyKind.Ec, 0, false,
            "CKM_ECDSA over a caller-supplied 32-byte digest"),
        new("ecdsa-p256-verify-prehash", OpKind.Verify, SigVariant.EcdsaRaw, [CKM.CKM_ECDSA], KeyKind.Ec, 0, false,
            "CKM_ECDSA over a caller-supplied 32-byte digest"),
        new("ed25519-sign", OpKind.Sign, SigVariant.EdDsa, [CKM.CKM_EDDSA], KeyKind.Ed, 0, false,
            "CKM_EDDSA (pure Ed25519), 32-byte message"),
        new("aes256-gcm-encrypt-1k", OpKind.Gcm, SigVariant.None, [CKM.CKM_AES_GCM], KeyKind.Aes, GcmIn, false,
            "C_EncryptInit+C_Encrypt, 12-byte per-call IV, 16-byte tag, 1024-byte input"),
        new("aes256-cbc-encrypt-1m", OpKind.Cbc, SigVariant.None, [CKM.CKM_AES_CBC], KeyKind.Aes, CbcTotal, false,
            "C_EncryptInit + 16 x C_EncryptUpdate(64 KiB) + C_EncryptFinal"),
        new("sha256-digest-64", OpKind.Digest, SigVariant.None, [CKM.CKM_SHA256], KeyKind.None, 64, false,
            "C_DigestInit+C_Digest, 64 bytes"),
        new("hmac-sha256-64", OpKind.Sign, SigVariant.Hmac, [CKM.CKM_SHA256_HMAC], KeyKind.Hmac, 64, false,
            "C_SignInit+C_Sign, CKM_SHA256_HMAC, 256-bit generic secret, 64 bytes"),
        new("rsa2048-keygen", OpKind.KeygenRsa, SigVariant.None, [CKM.CKM_RSA_PKCS_KEY_PAIR_GEN], KeyKind.None, 0, true,
            "C_GenerateKeyPair RSA-2048 e=65537, session keys (destroy untimed)"),
        new("ec-p256-keygen", OpKind.KeygenEc, SigVariant.None, [CKM.CKM_EC_KEY_PAIR_GEN], KeyKind.None, 0, false,
            "C_GenerateKeyPair EC P-256, session keys (destroy untimed)"),
        new("find-objects", OpKind.Find, SigVariant.None, [], KeyKind.None, 0, false,
            "C_FindObjectsInit+C_FindObjects+C_FindObjectsFinal, CKA_CLASS+CKA_LABEL"),
        new("open-close-session", OpKind.OpenClose, SigVariant.None, [], KeyKind.None, 0, false,
            "C_OpenSession(R/W)+C_CloseSession"),
        new("rss-100-sessions", OpKind.Rss, SigVariant.None, [], KeyKind.None, 0, true,
            "VmRSS growth from before loading the module to after C_Initialize+C_Login+100 C_OpenSession"),
        new("initialize", OpKind.Initialize, SigVariant.None, [], KeyKind.None, 0, true,
            "C_Initialize+C_Finalize with the token's objects present (1 thread, after all other ops)"),
        new("initialize-find", OpKind.InitializeFind, SigVariant.None, [], KeyKind.None, 0, true,
            "C_Initialize, slot by label, C_OpenSession, a find matching nothing, C_CloseSession, C_Finalize"),
    ];

    public static OpDef? Find(string name) => Array.Find(All, o => o.Name == name);

    /// <summary>Operations that run after the module was finalized, on one thread.</summary>
    public static bool IsStartup(this OpDef op) => op.Kind is OpKind.Initialize or OpKind.InitializeFind;
}
