using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using BcInteger = Org.BouncyCastle.Math.BigInteger;

namespace CloudHsm.Core.Tests.Mechanisms.Rsa;

public sealed class RsaSignTests : RsaFixture
{
    private static readonly byte[] Message = RandomNumberGenerator.GetBytes(1000);

    public static IEnumerable<TestCaseData> HashedPkcs1 =>
    [
        new TestCaseData(CKM.CKM_SHA1_RSA_PKCS, HashAlgorithmName.SHA1),
        new TestCaseData(CKM.CKM_SHA256_RSA_PKCS, HashAlgorithmName.SHA256),
        new TestCaseData(CKM.CKM_SHA384_RSA_PKCS, HashAlgorithmName.SHA384),
        new TestCaseData(CKM.CKM_SHA512_RSA_PKCS, HashAlgorithmName.SHA512),
    ];

    [TestCaseSource(nameof(HashedPkcs1))]
    public void Hashed_PKCS1_signature_is_dotnets_and_multi_part_equals_single_part(CKM mechanism, HashAlgorithmName hash)
    {
        byte[] single = Sign(Mech(mechanism), Message);
        using var rsa = DotNet(Key);
        Assert.That(single, Is.EqualTo(rsa.SignData(Message, hash, RSASignaturePadding.Pkcs1)), "PKCS #1 v1.5 is deterministic");

        Backend.SignInit(Session, Mech(mechanism), PrivateKey);
        Backend.SignUpdate(Session, Message.AsSpan(0, 300));
        Backend.SignUpdate(Session, Message.AsSpan(300));
        var multi = new byte[256];
        Assert.That(Backend.SignFinal(Session, multi, sizeQuery: false), Is.EqualTo(256));
        Assert.That(multi, Is.EqualTo(single));

        Verify(Mech(mechanism), Message, single);
        Backend.VerifyInit(Session, Mech(mechanism), PublicKey);
        Backend.VerifyUpdate(Session, Message.AsSpan(0, 999));
        Backend.VerifyUpdate(Session, Message.AsSpan(999));
        Backend.VerifyFinal(Session, single);
    }

    [Test]
    public void SHA224_PKCS1_signature_verifies_with_BouncyCastle()
    {
        byte[] signature = Sign(Mech(CKM.CKM_SHA224_RSA_PKCS), Message);
        var verifier = new RsaDigestSigner(new Sha224Digest());
        verifier.Init(false, new RsaKeyParameters(false, new BcInteger(1, Key.Modulus), new BcInteger(1, Key.Exponent)));
        verifier.BlockUpdate(Message, 0, Message.Length);
        Assert.That(verifier.VerifySignature(signature), Is.True);
        Verify(Mech(CKM.CKM_SHA224_RSA_PKCS), Message, signature);
    }

    [Test]
    public void RSA_PKCS_over_a_DigestInfo_equals_the_hashed_mechanism()
    {
        byte[] digestInfo = [.. Convert.FromHexString("3031300d060960864801650304020105000420"), .. SHA256.HashData(Message)];
        Assert.That(Sign(Mech(CKM.CKM_RSA_PKCS), digestInfo), Is.EqualTo(Sign(Mech(CKM.CKM_SHA256_RSA_PKCS), Message)));
    }

    [Test]
    public void RSA_PKCS_over_raw_data_signs_and_recovers()
    {
        byte[] data = RandomNumberGenerator.GetBytes(36); // TLS 1.0's MD5 || SHA-1
        byte[] signature = Sign(Mech(CKM.CKM_RSA_PKCS), data);
        Verify(Mech(CKM.CKM_RSA_PKCS), data, signature);
        Backend.VerifyRecoverInit(Session, Mech(CKM.CKM_RSA_PKCS), PublicKey);
        var recovered = new byte[Backend.VerifyRecover(Session, signature, default, sizeQuery: true)];
        int n = Backend.VerifyRecover(Session, signature, recovered, sizeQuery: false);
        Assert.That(recovered[..n], Is.EqualTo(data));

        Backend.SignRecoverInit(Session, Mech(CKM.CKM_RSA_PKCS), PrivateKey);
        var viaRecover = new byte[256];
        Assert.That(Backend.SignRecover(Session, data, viaRecover, sizeQuery: false), Is.EqualTo(256));
        Assert.That(viaRecover, Is.EqualTo(signature));
    }

    [Test]
    public void Data_longer_than_k_minus_11_is_CKR_DATA_LEN_RANGE()
    {
        Backend.SignInit(Session, Mech(CKM.CKM_RSA_PKCS), PrivateKey);
        Assert.That(Rv(() => Backend.Sign(Session, new byte[246], new byte[256], false)), Is.EqualTo(CKR.CKR_DATA_LEN_RANGE));
        Assert.That(Sign(Mech(CKM.CKM_RSA_PKCS), new byte[245]), Has.Length.EqualTo(256), "k-11 is fine");
        Backend.VerifyInit(Session, Mech(CKM.CKM_RSA_PKCS), PublicKey);
        Assert.That(Rv(() => Backend.Verify(Session, new byte[246], new byte[256])), Is.EqualTo(CKR.CKR_DATA_LEN_RANGE));
    }

    [Test]
    public void Wrong_signature_length_is_CKR_SIGNATURE_LEN_RANGE_and_tampering_CKR_SIGNATURE_INVALID()
    {
        byte[] signature = Sign(Mech(CKM.CKM_SHA256_RSA_PKCS), Message);
        Backend.VerifyInit(Session, Mech(CKM.CKM_SHA256_RSA_PKCS), PublicKey);
        Assert.That(Rv(() => Backend.Verify(Session, Message, signature.AsSpan(0, 255))), Is.EqualTo(CKR.CKR_SIGNATURE_LEN_RANGE));
        Backend.VerifyInit(Session, Mech(CKM.CKM_SHA256_RSA_PKCS), PublicKey);
        Assert.That(Rv(() => Backend.Verify(Session, Message, [.. signature, 0])), Is.EqualTo(CKR.CKR_SIGNATURE_LEN_RANGE));
        signature[100] ^= 1;
        Backend.VerifyInit(Session, Mech(CKM.CKM_SHA256_RSA_PKCS), PublicKey);
        Assert.That(Rv(() => Backend.Verify(Session, Message, signature)), Is.EqualTo(CKR.CKR_SIGNATURE_INVALID));
        Backend.VerifyInit(Session, Mech(CKM.CKM_RSA_PKCS), PublicKey);
        Assert.That(Rv(() => Backend.Verify(Session, new byte[20], Enumerable.Repeat((byte)0xFF, 256).ToArray())),
            Is.EqualTo(CKR.CKR_SIGNATURE_INVALID), "a signature not below the modulus");
    }

    [Test]
    public void Size_query_and_short_buffer_keep_the_operation()
    {
        Backend.SignInit(Session, Mech(CKM.CKM_SHA256_RSA_PKCS), PrivateKey);
        Assert.That(Backend.Sign(Session, Message, default, sizeQuery: true), Is.EqualTo(256));
        var small = Assert.Catch<BufferTooSmallException>(() => Backend.Sign(Session, Message, new byte[255], false))!;
        Assert.That(small.RequiredLength, Is.EqualTo(256));
        var signature = new byte[256];
        Assert.That(Backend.Sign(Session, Message, signature, false), Is.EqualTo(256));
        Assert.That(Rv(() => Backend.Sign(Session, Message, signature, false)), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "one-shot ended it");

        Backend.DecryptInit(Session, Mech(CKM.CKM_RSA_PKCS), PrivateKey);
        byte[] ct = DotNetEncrypt([1, 2, 3]);
        Assert.That(Backend.Decrypt(Session, ct, default, sizeQuery: true), Is.EqualTo(245), "a bound: k-11");
        var plain = new byte[245];
        Assert.That(plain[..Backend.Decrypt(Session, ct, plain, false)], Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    private static byte[] DotNetEncrypt(byte[] data)
    {
        using var rsa = DotNet(Key);
        return rsa.Encrypt(data, RSAEncryptionPadding.Pkcs1);
    }

    [Test]
    public void Single_part_mechanisms_refuse_multi_part_with_CKR_FUNCTION_NOT_SUPPORTED()
    {
        Backend.SignInit(Session, Mech(CKM.CKM_RSA_PKCS), PrivateKey);
        Assert.That(Rv(() => Backend.SignUpdate(Session, [1])), Is.EqualTo(CKR.CKR_FUNCTION_NOT_SUPPORTED));
        Assert.That(Rv(() => Backend.SignFinal(Session, new byte[256], false)), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "the failure ended it");
        Backend.SignInit(Session, Mech(CKM.CKM_RSA_PKCS_PSS, Pss(CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256, 32)), PrivateKey);
        Assert.That(Rv(() => Backend.SignFinal(Session, new byte[256], false)), Is.EqualTo(CKR.CKR_FUNCTION_NOT_SUPPORTED));
    }

    [Test]
    public void Keys_of_the_wrong_type_or_class_are_CKR_KEY_TYPE_INCONSISTENT()
    {
        ulong secret = Backend.CreateObject(Session, new Template(
        [
            TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY),
            TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)CKK.CKK_GENERIC_SECRET),
            TemplateAttribute.Bool(CKA.CKA_SIGN, true), TemplateAttribute.Bool(CKA.CKA_VERIFY, true),
            TemplateAttribute.Bool(CKA.CKA_ENCRYPT, true), TemplateAttribute.Bool(CKA.CKA_DECRYPT, true),
            new(CKA.CKA_VALUE, new byte[32]),
        ]));
        Assert.That(Rv(() => Backend.SignInit(Session, Mech(CKM.CKM_SHA256_RSA_PKCS), secret)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
        Assert.That(Rv(() => Backend.VerifyInit(Session, Mech(CKM.CKM_RSA_PKCS), secret)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
        Assert.That(Rv(() => Backend.EncryptInit(Session, Mech(CKM.CKM_RSA_PKCS_OAEP, Oaep(CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256)), secret)),
            Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));

        // A private key that may verify (CKA_VERIFY is no private-key attribute, so go around the usage check).
        var registry = Core.Mechanisms.BuiltInMechanisms.Registry;
        var privateObject = global::CloudHsm.Core.Objects.ObjectEngine.Create(PrivateTemplate(Key), global::CloudHsm.Core.Objects.ObjectContext.User);
        var publicObject = global::CloudHsm.Core.Objects.ObjectEngine.Create(PublicTemplate(Key), global::CloudHsm.Core.Objects.ObjectContext.User);
        var pkcs = registry.Get<Core.Mechanisms.ISignMechanism>(CKM.CKM_SHA256_RSA_PKCS);
        Assert.That(Assert.Catch<CkrException>(() => pkcs.CreateVerifier(Mech(CKM.CKM_SHA256_RSA_PKCS), privateObject))!.Rv,
            Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
        Assert.That(Assert.Catch<CkrException>(() => pkcs.CreateSigner(Mech(CKM.CKM_SHA256_RSA_PKCS), publicObject))!.Rv,
            Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
    }

    [Test]
    public void A_key_without_CKA_SIGN_is_CKR_KEY_FUNCTION_NOT_PERMITTED()
    {
        ulong noSign = Backend.CreateObject(Session, PrivateTemplate(Key, TemplateAttribute.Bool(CKA.CKA_SIGN, false)));
        Assert.That(Rv(() => Backend.SignInit(Session, Mech(CKM.CKM_SHA256_RSA_PKCS), noSign)), Is.EqualTo(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED));
    }

    [Test]
    public void Parameters_on_mechanisms_without_one_are_CKR_MECHANISM_PARAM_INVALID()
    {
        var bogus = new Backend.ByteArrayParameter([1, 2, 3]);
        Assert.That(Rv(() => Backend.SignInit(Session, Mech(CKM.CKM_SHA256_RSA_PKCS, bogus), PrivateKey)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        Assert.That(Rv(() => Backend.SignInit(Session, Mech(CKM.CKM_RSA_PKCS, bogus), PrivateKey)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    // --- PSS -----------------------------------------------------------------------------------------------

    public static IEnumerable<TestCaseData> HashedPss =>
    [
        new TestCaseData(CKM.CKM_SHA1_RSA_PKCS_PSS, CKM.CKM_SHA_1, CKG.CKG_MGF1_SHA1, HashAlgorithmName.SHA1, 20),
        new TestCaseData(CKM.CKM_SHA256_RSA_PKCS_PSS, CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256, HashAlgorithmName.SHA256, 32),
        new TestCaseData(CKM.CKM_SHA384_RSA_PKCS_PSS, CKM.CKM_SHA384, CKG.CKG_MGF1_SHA384, HashAlgorithmName.SHA384, 48),
        new TestCaseData(CKM.CKM_SHA512_RSA_PKCS_PSS, CKM.CKM_SHA512, CKG.CKG_MGF1_SHA512, HashAlgorithmName.SHA512, 64),
    ];

    [TestCaseSource(nameof(HashedPss))]
    public void Hashed_PSS_verifies_with_dotnet_single_and_multi_part(CKM mechanism, CKM hash, CKG mgf, HashAlgorithmName name, int hLen)
    {
        var m = Mech(mechanism, Pss(hash, mgf, (ulong)hLen));
        byte[] signature = Sign(m, Message);
        using var rsa = DotNet(Key);
        Assert.That(rsa.VerifyData(Message, signature, name, RSASignaturePadding.Pss), Is.True);
        Backend.SignInit(Session, m, PrivateKey);
        Backend.SignUpdate(Session, Message.AsSpan(0, 10));
        Backend.SignUpdate(Session, Message.AsSpan(10));
        var multi = new byte[256];
        Backend.SignFinal(Session, multi, false);
        Assert.That(rsa.VerifyData(Message, multi, name, RSASignaturePadding.Pss), Is.True);
        Verify(m, Message, multi);
    }

    [Test]
    public void RSA_PKCS_PSS_signs_a_hash_of_the_length_hashAlg_gives()
    {
        var m = Mech(CKM.CKM_RSA_PKCS_PSS, Pss(CKM.CKM_SHA384, CKG.CKG_MGF1_SHA384, 48));
        byte[] hash = SHA384.HashData(Message);
        byte[] signature = Sign(m, hash);
        using var rsa = DotNet(Key);
        Assert.That(rsa.VerifyHash(hash, signature, HashAlgorithmName.SHA384, RSASignaturePadding.Pss), Is.True);
        Verify(m, hash, signature);
        Backend.SignInit(Session, m, PrivateKey);
        Assert.That(Rv(() => Backend.Sign(Session, hash.AsSpan(0, 32), new byte[256], false)), Is.EqualTo(CKR.CKR_DATA_LEN_RANGE));
        Backend.VerifyInit(Session, m, PublicKey);
        Assert.That(Rv(() => Backend.Verify(Session, hash.AsSpan(0, 47), signature)), Is.EqualTo(CKR.CKR_DATA_LEN_RANGE));
    }

    public static IEnumerable<TestCaseData> UnusualPss =>
    [
        new TestCaseData(CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256, 0).SetArgDisplayNames("SHA-256, salt 0"),
        new TestCaseData(CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256, 64).SetArgDisplayNames("SHA-256, salt 64"),
        new TestCaseData(CKM.CKM_SHA256, CKG.CKG_MGF1_SHA1, 32).SetArgDisplayNames("SHA-256, MGF1-SHA1"),
        new TestCaseData(CKM.CKM_SHA512, CKG.CKG_MGF1_SHA224, 10).SetArgDisplayNames("SHA-512, MGF1-SHA224, salt 10"),
        new TestCaseData(CKM.CKM_SHA224, CKG.CKG_MGF1_SHA224, 28).SetArgDisplayNames("SHA-224"),
        new TestCaseData(CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256, 256 - 2 - 32).SetArgDisplayNames("SHA-256, the longest salt"),
    ];

    [TestCaseSource(nameof(UnusualPss))]
    public void PSS_with_other_salts_and_MGF_hashes_is_honoured(CKM hash, CKG mgf, int salt)
    {
        var m = Mech(CKM.CKM_RSA_PKCS_PSS, Pss(hash, mgf, (ulong)salt));
        byte[] digest = RandomNumberGenerator.GetBytes(Hash(hash).GetDigestSize());
        byte[] signature = Sign(m, digest);
        Verify(m, digest, signature);
        var verifier = PssSigner.CreateRawSigner(new RsaEngine(), Hash(hash), Hash(mgf == CKG.CKG_MGF1_SHA1 ? CKM.CKM_SHA_1 : mgf == CKG.CKG_MGF1_SHA224 ? CKM.CKM_SHA224 : hash), salt, PssSigner.TrailerImplicit);
        verifier.Init(false, new RsaKeyParameters(false, new BcInteger(1, Key.Modulus), new BcInteger(1, Key.Exponent)));
        verifier.BlockUpdate(digest, 0, digest.Length);
        Assert.That(verifier.VerifySignature(signature), Is.True, "BouncyCastle's verifier agrees");
        signature[0] ^= 0x01;
        Backend.VerifyInit(Session, m, PublicKey);
        Assert.That(Rv(() => Backend.Verify(Session, digest, signature)), Is.EqualTo(CKR.CKR_SIGNATURE_INVALID));
    }

    private static Org.BouncyCastle.Crypto.IDigest Hash(CKM hash) => hash switch
    {
        CKM.CKM_SHA_1 => new Sha1Digest(),
        CKM.CKM_SHA224 => new Sha224Digest(),
        CKM.CKM_SHA256 => new Sha256Digest(),
        CKM.CKM_SHA384 => new Sha384Digest(),
        _ => new Sha512Digest(),
    };

    public static IEnumerable<TestCaseData> BadPss =>
    [
        new TestCaseData(CKM.CKM_SHA256_RSA_PKCS_PSS, null).SetArgDisplayNames("no parameter"),
        new TestCaseData(CKM.CKM_SHA256_RSA_PKCS_PSS, new Backend.ByteArrayParameter(new byte[24])).SetArgDisplayNames("raw bytes"),
        new TestCaseData(CKM.CKM_SHA256_RSA_PKCS_PSS, new Core.Mechanisms.Rsa.RsaPssParameter((ulong)CKM.CKM_SHA384, (ulong)CKG.CKG_MGF1_SHA384, 48)).SetArgDisplayNames("hashAlg disagrees"),
        new TestCaseData(CKM.CKM_SHA256_RSA_PKCS_PSS, new Core.Mechanisms.Rsa.RsaPssParameter((ulong)CKM.CKM_SHA256, 0x99, 32)).SetArgDisplayNames("unknown mgf"),
        new TestCaseData(CKM.CKM_RSA_PKCS_PSS, new Core.Mechanisms.Rsa.RsaPssParameter((ulong)CKM.CKM_MD5, (ulong)CKG.CKG_MGF1_SHA256, 16)).SetArgDisplayNames("MD5"),
        new TestCaseData(CKM.CKM_RSA_PKCS_PSS, new Core.Mechanisms.Rsa.RsaPssParameter((ulong)CKM.CKM_SHA256, (ulong)CKG.CKG_MGF1_SHA256, 256 - 2 - 32 + 1)).SetArgDisplayNames("salt too long"),
        new TestCaseData(CKM.CKM_RSA_PKCS_PSS, new Core.Mechanisms.Rsa.RsaPssParameter(1UL << 40, (ulong)CKG.CKG_MGF1_SHA256, 32)).SetArgDisplayNames("hashAlg beyond 32 bits"),
    ];

    [TestCaseSource(nameof(BadPss))]
    public void Bad_PSS_parameters_are_CKR_MECHANISM_PARAM_INVALID(CKM mechanism, Backend.MechanismParameter? parameter)
    {
        Assert.That(Rv(() => Backend.SignInit(Session, Mech(mechanism, parameter), PrivateKey)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        Assert.That(Rv(() => Backend.VerifyInit(Session, Mech(mechanism, parameter), PublicKey)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    // --- raw ------------------------------------------------------------------------------------------------

    [Test]
    public void X509_signs_left_padded_input_and_refuses_values_not_below_the_modulus()
    {
        byte[] data = RandomNumberGenerator.GetBytes(100);
        byte[] signature = Sign(Mech(CKM.CKM_RSA_X_509), data);
        var n = new BcInteger(1, Key.Modulus);
        var expected = new BcInteger(1, data).ModPow(new BcInteger(1, Key.D), n).ToByteArrayUnsigned();
        Assert.That(signature.SkipWhile(b => b == 0), Is.EqualTo(expected.SkipWhile(b => b == 0)));
        Verify(Mech(CKM.CKM_RSA_X_509), data, signature);

        Backend.VerifyRecoverInit(Session, Mech(CKM.CKM_RSA_X_509), PublicKey);
        var recovered = new byte[256];
        Assert.That(Backend.VerifyRecover(Session, signature, recovered, false), Is.EqualTo(256));
        Assert.That(recovered[156..], Is.EqualTo(data));
        Assert.That(recovered[..156], Is.All.EqualTo(0));

        Backend.SignInit(Session, Mech(CKM.CKM_RSA_X_509), PrivateKey);
        Assert.That(Rv(() => Backend.Sign(Session, Key.Modulus!, new byte[256], false)), Is.EqualTo(CKR.CKR_DATA_INVALID));
        Backend.SignInit(Session, Mech(CKM.CKM_RSA_X_509), PrivateKey);
        Assert.That(Rv(() => Backend.Sign(Session, new byte[257], new byte[256], false)), Is.EqualTo(CKR.CKR_DATA_LEN_RANGE));
    }

    // --- sharing the cached key --------------------------------------------------------------------------------

    [Test]
    public void Eight_threads_with_their_own_sessions_share_one_cached_key()
    {
        var sessions = Enumerable.Range(0, 8).Select(_ => OpenRw()).ToArray();
        var results = new byte[8][][];
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
        {
            results[i] = new byte[25][];
            try
            {
            for (int r = 0; r < 25; r++)
            {
                byte[] data = BitConverter.GetBytes(i * 1000 + r);
                var m = r % 2 == 0 ? Mech(CKM.CKM_SHA256_RSA_PKCS) : Mech(CKM.CKM_SHA256_RSA_PKCS_PSS, Pss(CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256, 32));
                Backend.SignInit(sessions[i], m, PrivateKey);
                var signature = new byte[256];
                Backend.Sign(sessions[i], data, signature, false);
                Backend.VerifyInit(sessions[i], m, PublicKey);
                Backend.Verify(sessions[i], data, signature);
                results[i][r] = signature;
            }
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.That(failures, Is.Empty);
        using var rsa = DotNet(Key);
        for (int i = 0; i < 8; i++)
            for (int r = 0; r < 25; r++)
                Assert.That(rsa.VerifyData(BitConverter.GetBytes(i * 1000 + r), results[i][r], HashAlgorithmName.SHA256,
                    r % 2 == 0 ? RSASignaturePadding.Pkcs1 : RSASignaturePadding.Pss), Is.True, $"thread {i} round {r}");
    }
}
