using System.Security.Cryptography;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// Sign/verify and encrypt/decrypt, table-driven (spec 5.8-5.15, mechanisms of chapter 6). This stage of the
/// library has digests only: every row whose *Init answers CKR_MECHANISM_INVALID is ignored, so the table
/// starts passing row by row as mechanisms land. Results are checked against .NET's own implementations
/// and FIPS-197. The tests at the end pin the current stage: unknown mechanisms are refused cleanly.
/// </summary>
public sealed class _28_MechanismTableTest : RwUserSessionFixture
{
    private const ulong CKG_MGF1_SHA1 = 1, CKG_MGF1_SHA256 = 2, CKG_MGF1_SHA384 = 3, CKG_MGF1_SHA512 = 4, CKZ_DATA_SPECIFIED = 1;

    // --- sign / verify --------------------------------------------------------------------------------------

    public enum KeyKind { Hmac, Rsa, Ec }

    public sealed record SignCase(string Name, CKM Mechanism, KeyKind Key, ulong[]? Params, bool MultiPart, byte[]? Prehash,
        Func<byte[], byte[], byte[]?, bool> DotNetCheck)
    {
        public override string ToString() => Name;
    }

    /// <summary>64 bytes: at least the output size of every HMAC here (some tokens set that as the minimum key size).</summary>
    private static readonly byte[] HmacKey = TestData.Random(64);

    private static bool RsaVerify(byte[] data, byte[] sig, HashAlgorithmName h, RSASignaturePadding p)
    {
        using var rsa = RSA.Create(TestData.RsaKey);
        return rsa.VerifyData(data, sig, h, p);
    }

    private static bool EcVerify(byte[] data, byte[] sig, HashAlgorithmName h)
    {
        using var ec = ECDsa.Create(TestData.EcKey);
        return ec.VerifyData(data, sig, h, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    public static IEnumerable<SignCase> SignCases()
    {
        yield return new("HMAC-SHA1", CKM.CKM_SHA_1_HMAC, KeyKind.Hmac, null, true, null, (d, s, _) => s.AsSpan().SequenceEqual(HMACSHA1.HashData(HmacKey, d)));
        yield return new("HMAC-SHA256", CKM.CKM_SHA256_HMAC, KeyKind.Hmac, null, true, null, (d, s, _) => s.AsSpan().SequenceEqual(HMACSHA256.HashData(HmacKey, d)));
        yield return new("HMAC-SHA384", CKM.CKM_SHA384_HMAC, KeyKind.Hmac, null, true, null, (d, s, _) => s.AsSpan().SequenceEqual(HMACSHA384.HashData(HmacKey, d)));
        yield return new("HMAC-SHA512", CKM.CKM_SHA512_HMAC, KeyKind.Hmac, null, true, null, (d, s, _) => s.AsSpan().SequenceEqual(HMACSHA512.HashData(HmacKey, d)));
        yield return new("SHA1-RSA-PKCS", CKM.CKM_SHA1_RSA_PKCS, KeyKind.Rsa, null, true, null, (d, s, _) => RsaVerify(d, s, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1));
        yield return new("SHA256-RSA-PKCS", CKM.CKM_SHA256_RSA_PKCS, KeyKind.Rsa, null, true, null, (d, s, _) => RsaVerify(d, s, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        yield return new("SHA384-RSA-PKCS", CKM.CKM_SHA384_RSA_PKCS, KeyKind.Rsa, null, true, null, (d, s, _) => RsaVerify(d, s, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1));
        yield return new("SHA512-RSA-PKCS", CKM.CKM_SHA512_RSA_PKCS, KeyKind.Rsa, null, true, null, (d, s, _) => RsaVerify(d, s, HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1));
        yield return new("RSA-PKCS over a DigestInfo", CKM.CKM_RSA_PKCS, KeyKind.Rsa, null, false, [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20],
            (d, s, _) => RsaVerify(d, s, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        yield return new("SHA256-RSA-PKCS-PSS", CKM.CKM_SHA256_RSA_PKCS_PSS, KeyKind.Rsa, [(ulong)CKM.CKM_SHA256, CKG_MGF1_SHA256, 32], true, null,
            (d, s, _) => RsaVerify(d, s, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
        yield return new("SHA384-RSA-PKCS-PSS", CKM.CKM_SHA384_RSA_PKCS_PSS, KeyKind.Rsa, [(ulong)CKM.CKM_SHA384, CKG_MGF1_SHA384, 48], true, null,
            (d, s, _) => RsaVerify(d, s, HashAlgorithmName.SHA384, RSASignaturePadding.Pss));
        yield return new("SHA512-RSA-PKCS-PSS", CKM.CKM_SHA512_RSA_PKCS_PSS, KeyKind.Rsa, [(ulong)CKM.CKM_SHA512, CKG_MGF1_SHA512, 64], true, null,
            (d, s, _) => RsaVerify(d, s, HashAlgorithmName.SHA512, RSASignaturePadding.Pss));
        yield return new("SHA1-RSA-PKCS-PSS", CKM.CKM_SHA1_RSA_PKCS_PSS, KeyKind.Rsa, [(ulong)CKM.CKM_SHA_1, CKG_MGF1_SHA1, 20], true, null,
            (d, s, _) => RsaVerify(d, s, HashAlgorithmName.SHA1, RSASignaturePadding.Pss));
        yield return new("ECDSA-SHA256", CKM.CKM_ECDSA_SHA256, KeyKind.Ec, null, true, null, (d, s, _) => EcVerify(d, s, HashAlgorithmName.SHA256));
        yield return new("ECDSA-SHA384", CKM.CKM_ECDSA_SHA384, KeyKind.Ec, null, true, null, (d, s, _) => EcVerify(d, s, HashAlgorithmName.SHA384));
        yield return new("ECDSA-SHA512", CKM.CKM_ECDSA_SHA512, KeyKind.Ec, null, true, null, (d, s, _) => EcVerify(d, s, HashAlgorithmName.SHA512));
        yield return new("ECDSA over a SHA-256 hash", CKM.CKM_ECDSA, KeyKind.Ec, null, false, [], (d, s, _) => EcVerify(d, s, HashAlgorithmName.SHA256));
    }

    /// <summary>Signing and verifying key handles for a row.</summary>
    private (ulong Sign, ulong Verify) Keys(KeyKind kind) => kind switch
    {
        KeyKind.Hmac => Same(P11.Create(Session, TestData.GenericSecret(P11.UniqueLabel("hmac"), HmacKey))),
        KeyKind.Rsa => (P11.Create(Session, TestData.RsaPrivateKey(P11.UniqueLabel("rsa"), TestData.RsaKey)),
                        P11.Create(Session, TestData.RsaPublicKey(P11.UniqueLabel("rsa-pub"), TestData.RsaKey))),
        KeyKind.Ec => (P11.Create(Session, TestData.EcPrivateKey(P11.UniqueLabel("ec"), TestData.EcKey)),
                       P11.Create(Session, TestData.EcPublicKey(P11.UniqueLabel("ec-pub"), TestData.EcKey))),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static (ulong, ulong) Same(ulong h) => (h, h);

    private static NativeMechanism Mech(CKM m, ulong[]? fields)
    {
        var mech = new NativeMechanism((ulong)m);
        return fields is null ? mech : mech.WithFields(fields);
    }

    /// <summary>What the mechanism signs for this message: the message, or for raw mechanisms a prefix || SHA-256(message).</summary>
    private static byte[] Input(SignCase c, byte[] message) => c.Prehash is null ? message : [.. c.Prehash, .. SHA256.HashData(message)];

    private void SignInit(SignCase c, NativeMechanism mech, ulong key)
    {
        CKR rv = Module.Low.C_SignInit(Session, ref mech.Value, key);
        if (rv == CKR.CKR_MECHANISM_INVALID) Assert.Ignore($"{c.Mechanism}: CKR_MECHANISM_INVALID (not offered yet)");
        Assert.That(rv, Is.EqualTo(CKR.CKR_OK), $"C_SignInit({c.Mechanism})");
    }

    [TestCaseSource(nameof(SignCases))]
    public void Sign_single_part_verifies_with_dotnet_and_the_module(SignCase c)
    {
        var (signKey, verifyKey) = Keys(c.Key);
        byte[] message = TestData.Random(1000);
        byte[] input = Input(c, message);
        using var mech = Mech(c.Mechanism, c.Params);
        SignInit(c, mech, signKey);
        ulong len = 0;
        P11.Ok(Module.Low.C_Sign(Session, input, (ulong)input.Length, null, ref len), "C_Sign(size query)");
        var small = new byte[len - 1];
        ulong smallLen = (ulong)small.Length;
        Assert.That(Module.Low.C_Sign(Session, input, (ulong)input.Length, small, ref smallLen), Is.EqualTo(CKR.CKR_BUFFER_TOO_SMALL), "C_Sign with one byte too few");
        Assert.That(smallLen, Is.EqualTo(len), "*pulSignatureLen is the needed length");
        var sig = new byte[len];
        P11.Ok(Module.Low.C_Sign(Session, input, (ulong)input.Length, sig, ref len), "C_Sign after the size query and CKR_BUFFER_TOO_SMALL");
        sig = sig.Take((int)len).ToArray();
        Assert.That(c.DotNetCheck(message, sig, null), Is.True, $"{c.Name} signature checks out with .NET");

        P11.Ok(Module.Low.C_VerifyInit(Session, ref mech.Value, verifyKey), "C_VerifyInit");
        Assert.That(Module.Low.C_Verify(Session, input, (ulong)input.Length, sig, (ulong)sig.Length), Is.EqualTo(CKR.CKR_OK), "C_Verify of the module's signature");
        sig[^1] ^= 1;
        P11.Ok(Module.Low.C_VerifyInit(Session, ref mech.Value, verifyKey), "C_VerifyInit");
        Assert.That(Module.Low.C_Verify(Session, input, (ulong)input.Length, sig, (ulong)sig.Length), Is.EqualTo(CKR.CKR_SIGNATURE_INVALID), "C_Verify of a tampered signature");
    }

    [TestCaseSource(nameof(SignCases))]
    public void Sign_multi_part_matches(SignCase c)
    {
        if (!c.MultiPart) Assert.Ignore($"{c.Mechanism} is single-part only");
        var (signKey, verifyKey) = Keys(c.Key);
        byte[] message = TestData.Random(3000);
        using var mech = Mech(c.Mechanism, c.Params);
        SignInit(c, mech, signKey);
        for (int off = 0; off < message.Length; off += 700)
        {
            byte[] part = message[off..Math.Min(off + 700, message.Length)];
            P11.Ok(Module.Low.C_SignUpdate(Session, part, (ulong)part.Length), "C_SignUpdate");
        }
        ulong len = 0;
        P11.Ok(Module.Low.C_SignFinal(Session, null, ref len), "C_SignFinal(size query)");
        var sig = new byte[len];
        P11.Ok(Module.Low.C_SignFinal(Session, sig, ref len), "C_SignFinal");
        sig = sig.Take((int)len).ToArray();
        Assert.That(c.DotNetCheck(message, sig, null), Is.True, $"multi-part {c.Name} signature checks out with .NET");
        P11.Ok(Module.Low.C_VerifyInit(Session, ref mech.Value, verifyKey), "C_VerifyInit");
        P11.Ok(Module.Low.C_VerifyUpdate(Session, message, (ulong)message.Length), "C_VerifyUpdate");
        Assert.That(Module.Low.C_VerifyFinal(Session, sig, (ulong)sig.Length), Is.EqualTo(CKR.CKR_OK), "C_VerifyFinal");
    }

    [Test]
    public void Key_without_CKA_SIGN_returns_CKR_KEY_FUNCTION_NOT_PERMITTED()
    {
        ulong key = P11.Create(Session, TestData.With(TestData.GenericSecret(P11.UniqueLabel("nosign"), HmacKey), CKA.CKA_SIGN, Attr.Bool(CKA.CKA_SIGN, false)));
        using var mech = new NativeMechanism((ulong)CKM.CKM_SHA256_HMAC);
        CKR rv = Module.Low.C_SignInit(Session, ref mech.Value, key);
        if (rv == CKR.CKR_MECHANISM_INVALID) Assert.Ignore("CKM_SHA256_HMAC: CKR_MECHANISM_INVALID (not offered yet)");
        Assert.That(rv, Is.EqualTo(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED), "C_SignInit with a CKA_SIGN = FALSE key");
    }

    [Test]
    public void Key_of_the_wrong_type_returns_CKR_KEY_TYPE_INCONSISTENT()
    {
        ulong aes = P11.Create(Session, [.. TestData.AesKey(P11.UniqueLabel("aes-sign"), TestData.Random(16)), Attr.Bool(CKA.CKA_SIGN, true)]);
        using var mech = new NativeMechanism((ulong)CKM.CKM_SHA256_RSA_PKCS);
        CKR rv = Module.Low.C_SignInit(Session, ref mech.Value, aes);
        if (rv == CKR.CKR_MECHANISM_INVALID) Assert.Ignore("CKM_SHA256_RSA_PKCS: CKR_MECHANISM_INVALID (not offered yet)");
        Assert.That(rv, Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT), "C_SignInit(CKM_SHA256_RSA_PKCS) with an AES key");
    }

    // --- encrypt / decrypt ----------------------------------------------------------------------------------

    public sealed record CipherCase(string Name, CKM Mechanism, bool Aes, bool MultiPart)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<CipherCase> CipherCases() =>
    [
        new("AES-ECB", CKM.CKM_AES_ECB, true, true),
        new("AES-CBC", CKM.CKM_AES_CBC, true, true),
        new("AES-CBC-PAD", CKM.CKM_AES_CBC_PAD, true, true),
        new("AES-GCM", CKM.CKM_AES_GCM, true, false),
        new("RSA-PKCS-OAEP (SHA-256)", CKM.CKM_RSA_PKCS_OAEP, false, false),
        new("RSA-PKCS v1.5", CKM.CKM_RSA_PKCS, false, false),
    ];

    private static readonly byte[] Iv = TestData.Random(16), GcmIv = TestData.Random(12), Aad = TestData.Random(20);

    private static NativeMechanism CipherMech(CKM m)
    {
        var mech = new NativeMechanism((ulong)m);
        switch (m)
        {
            case CKM.CKM_AES_CBC or CKM.CKM_AES_CBC_PAD:
                mech.WithBytes(Iv);
                break;
            case CKM.CKM_AES_GCM:   // CK_GCM_PARAMS { pIv, ulIvLen, ulIvBits, pAAD, ulAADLen, ulTagBits }
                mech.WithFields((ulong)mech.Pin(GcmIv), 12, 96, (ulong)mech.Pin(Aad), (ulong)Aad.Length, 128);
                break;
            case CKM.CKM_RSA_PKCS_OAEP:   // CK_RSA_PKCS_OAEP_PARAMS { hashAlg, mgf, source, pSourceData, ulSourceDataLen }
                mech.WithFields((ulong)CKM.CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, 0, 0);
                break;
        }
        return mech;
    }

    /// <summary>.NET's ciphertext for deterministic modes; null where the output is randomised.</summary>
    private static byte[]? Expected(CKM m, byte[] key, byte[] plain)
    {
        using var aes = Aes.Create();
        switch (m)
        {
            case CKM.CKM_AES_ECB: aes.Key = key; return aes.EncryptEcb(plain, PaddingMode.None);
            case CKM.CKM_AES_CBC: aes.Key = key; return aes.EncryptCbc(plain, Iv, PaddingMode.None);
            case CKM.CKM_AES_CBC_PAD: aes.Key = key; return aes.EncryptCbc(plain, Iv, PaddingMode.PKCS7);
            case CKM.CKM_AES_GCM:
                using (var gcm = new AesGcm(key, 16))
                {
                    var ct = new byte[plain.Length];
                    var tag = new byte[16];
                    gcm.Encrypt(GcmIv, plain, ct, tag, Aad);
                    return [.. ct, .. tag];
                }
            default: return null;
        }
    }

    [TestCaseSource(nameof(CipherCases))]
    public void Encrypt_matches_dotnet_and_decrypts_back(CipherCase c)
    {
        byte[] key = TestData.Random(32);
        byte[] plain = TestData.Random(c.Mechanism is CKM.CKM_AES_ECB or CKM.CKM_AES_CBC ? 64 : c.Aes ? 77 : 50);
        ulong encKey, decKey;
        if (c.Aes)
            encKey = decKey = P11.Create(Session, TestData.AesKey(P11.UniqueLabel("aes"), key));
        else
        {
            encKey = P11.Create(Session, TestData.RsaPublicKey(P11.UniqueLabel("rsa-pub"), TestData.RsaKey));
            decKey = P11.Create(Session, TestData.RsaPrivateKey(P11.UniqueLabel("rsa"), TestData.RsaKey));
        }
        using var mech = CipherMech(c.Mechanism);
        CKR rv = Module.Low.C_EncryptInit(Session, ref mech.Value, encKey);
        if (rv == CKR.CKR_MECHANISM_INVALID) Assert.Ignore($"{c.Mechanism}: CKR_MECHANISM_INVALID (not offered yet)");
        Assert.That(rv, Is.EqualTo(CKR.CKR_OK), $"C_EncryptInit({c.Mechanism})");
        ulong len = 0;
        P11.Ok(Module.Low.C_Encrypt(Session, plain, (ulong)plain.Length, null, ref len), "C_Encrypt(size query)");
        var ct = new byte[len];
        P11.Ok(Module.Low.C_Encrypt(Session, plain, (ulong)plain.Length, ct, ref len), "C_Encrypt");
        ct = ct.Take((int)len).ToArray();

        byte[]? expected = Expected(c.Mechanism, key, plain);
        if (expected is not null)
            Assert.That(ct, Is.EqualTo(expected), $"{c.Name} ciphertext equals .NET's");
        else
        {
            using var rsa = RSA.Create(TestData.RsaKey);
            var padding = c.Mechanism == CKM.CKM_RSA_PKCS_OAEP ? RSAEncryptionPadding.OaepSHA256 : RSAEncryptionPadding.Pkcs1;
            Assert.That(rsa.Decrypt(ct, padding), Is.EqualTo(plain), $".NET decrypts the module's {c.Name} ciphertext");
            ct = rsa.Encrypt(plain, padding);   // and the module must decrypt .NET's
        }

        P11.Ok(Module.Low.C_DecryptInit(Session, ref mech.Value, decKey), "C_DecryptInit");
        len = 0;
        P11.Ok(Module.Low.C_Decrypt(Session, ct, (ulong)ct.Length, null, ref len), "C_Decrypt(size query)");
        var back = new byte[len];
        P11.Ok(Module.Low.C_Decrypt(Session, ct, (ulong)ct.Length, back, ref len), "C_Decrypt");
        Assert.That(back.Take((int)len), Is.EqualTo(plain), "decrypts back to the plaintext");
    }

    [TestCaseSource(nameof(CipherCases))]
    public void Encrypt_multi_part_matches_single_part(CipherCase c)
    {
        if (!c.MultiPart) Assert.Ignore($"{c.Mechanism}: not tested multi-part here");
        byte[] key = TestData.Random(16);
        byte[] plain = TestData.Random(c.Mechanism == CKM.CKM_AES_CBC_PAD ? 100 : 96);
        ulong h = P11.Create(Session, TestData.AesKey(P11.UniqueLabel("aes-mp"), key));
        using var mech = CipherMech(c.Mechanism);
        CKR rv = Module.Low.C_EncryptInit(Session, ref mech.Value, h);
        if (rv == CKR.CKR_MECHANISM_INVALID) Assert.Ignore($"{c.Mechanism}: CKR_MECHANISM_INVALID (not offered yet)");
        Assert.That(rv, Is.EqualTo(CKR.CKR_OK), $"C_EncryptInit({c.Mechanism})");
        var output = new List<byte>();
        int pos = 0;
        int[] sizes = [5, 16, 27, 48];
        for (int i = 0; pos < plain.Length; i++)
        {
            int take = Math.Min(sizes[i % sizes.Length], plain.Length - pos);
            byte[] part = plain[pos..(pos + take)];
            pos += take;
            var buf = new byte[take + 32];
            ulong len = (ulong)buf.Length;
            P11.Ok(Module.Low.C_EncryptUpdate(Session, part, (ulong)part.Length, buf, ref len), "C_EncryptUpdate");
            output.AddRange(buf.Take((int)len));
        }
        var last = new byte[32];
        ulong lastLen = 32;
        P11.Ok(Module.Low.C_EncryptFinal(Session, last, ref lastLen), "C_EncryptFinal");
        output.AddRange(last.Take((int)lastLen));
        Assert.That(output, Is.EqualTo(Expected(c.Mechanism, key, plain)), $"multi-part {c.Name} equals .NET's single-shot ciphertext");
    }

    [Test]
    public void AES_ECB_FIPS_197_known_answer()
    {
        byte[] key = TestData.Hex("000102030405060708090a0b0c0d0e0f");
        ulong h = P11.Create(Session, TestData.AesKey(P11.UniqueLabel("fips197"), key));
        using var mech = new NativeMechanism((ulong)CKM.CKM_AES_ECB);
        CKR rv = Module.Low.C_EncryptInit(Session, ref mech.Value, h);
        if (rv == CKR.CKR_MECHANISM_INVALID) Assert.Ignore("CKM_AES_ECB: CKR_MECHANISM_INVALID (not offered yet)");
        Assert.That(rv, Is.EqualTo(CKR.CKR_OK), "C_EncryptInit(CKM_AES_ECB)");
        byte[] pt = TestData.Hex("00112233445566778899aabbccddeeff");
        var ct = new byte[16];
        ulong len = 16;
        P11.Ok(Module.Low.C_Encrypt(Session, pt, 16, ct, ref len), "C_Encrypt");
        Assert.That(Convert.ToHexString(ct).ToLowerInvariant(), Is.EqualTo("69c4e0d86a7b0430d8cdb78070b4c55a"), "FIPS-197 C.1 AES-128");
    }

    // --- the current stage: whatever is not implemented is refused cleanly -----------------------------------

    [Test]
    public void Unknown_mechanism_is_refused_by_every_Init_with_CKR_MECHANISM_INVALID()
    {
        ulong key = P11.Create(Session, TestData.AesKey(P11.UniqueLabel("any"), TestData.Random(16)));
        using var m = new NativeMechanism(Ck.UnknownMechanism);
        Assert.That(Module.Low.C_SignInit(Session, ref m.Value, key), Is.EqualTo(CKR.CKR_MECHANISM_INVALID), "C_SignInit");
        Assert.That(Module.Low.C_VerifyInit(Session, ref m.Value, key), Is.EqualTo(CKR.CKR_MECHANISM_INVALID), "C_VerifyInit");
        Assert.That(Module.Low.C_EncryptInit(Session, ref m.Value, key), Is.EqualTo(CKR.CKR_MECHANISM_INVALID), "C_EncryptInit");
        Assert.That(Module.Low.C_DecryptInit(Session, ref m.Value, key), Is.EqualTo(CKR.CKR_MECHANISM_INVALID), "C_DecryptInit");
        ulong h = 0, h2 = 0;
        using var t = new NativeTemplate([Attr.Token(false)]);
        Assert.That(Module.Low.C_GenerateKey(Session, ref m.Value, t.Attributes, t.Count, ref h), Is.EqualTo(CKR.CKR_MECHANISM_INVALID), "C_GenerateKey");
        Assert.That(Module.Low.C_GenerateKeyPair(Session, ref m.Value, t.Attributes, t.Count, t.Attributes, t.Count, ref h, ref h2), Is.EqualTo(CKR.CKR_MECHANISM_INVALID), "C_GenerateKeyPair");
        Assert.That(Module.Low.C_DeriveKey(Session, ref m.Value, key, t.Attributes, t.Count, ref h), Is.EqualTo(CKR.CKR_MECHANISM_INVALID), "C_DeriveKey");
        ulong len = 0;
        Assert.That(Module.Low.C_WrapKey(Session, ref m.Value, key, key, null, ref len), Is.EqualTo(CKR.CKR_MECHANISM_INVALID), "C_WrapKey");
    }

    [Test]
    public void Digest_mechanism_cannot_sign()
    {
        ulong key = P11.Create(Session, TestData.GenericSecret(P11.UniqueLabel("digest-sign"), HmacKey));
        using var m = new NativeMechanism((ulong)CKM.CKM_SHA256);
        Assert.That(Module.Low.C_SignInit(Session, ref m.Value, key), Is.EqualTo(CKR.CKR_MECHANISM_INVALID), "C_SignInit(CKM_SHA256)");
        Assert.That(Module.Low.C_EncryptInit(Session, ref m.Value, key), Is.EqualTo(CKR.CKR_MECHANISM_INVALID), "C_EncryptInit(CKM_SHA256)");
    }

    [Test]
    public void Operations_without_Init_return_CKR_OPERATION_NOT_INITIALIZED()
    {
        byte[] data = [1, 2, 3];
        var buf = new byte[512];
        ulong len = (ulong)buf.Length;
        Assert.That(Module.Low.C_Sign(Session, data, 3, buf, ref len), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "C_Sign");
        Assert.That(Module.Low.C_SignUpdate(Session, data, 3), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "C_SignUpdate");
        Assert.That(Module.Low.C_Verify(Session, data, 3, buf, 64), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "C_Verify");
        len = (ulong)buf.Length;
        Assert.That(Module.Low.C_Encrypt(Session, data, 3, buf, ref len), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "C_Encrypt");
        len = (ulong)buf.Length;
        Assert.That(Module.Low.C_Decrypt(Session, buf, 16, buf, ref len), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "C_Decrypt");
    }

    [Test]
    public unsafe void C_SignInit_with_NULL_mechanism_and_no_operation_does_not_crash()
    {
        CKR rv = Module.Raw.C_SignInit(Session, null, 0);
        Assert.That(rv, Is.AnyOf(CKR.CKR_OK, CKR.CKR_ARGUMENTS_BAD, CKR.CKR_OPERATION_NOT_INITIALIZED, CKR.CKR_KEY_HANDLE_INVALID),
            "C_SignInit(NULL, 0): a cancel with nothing to cancel, or a refusal");
    }
}
