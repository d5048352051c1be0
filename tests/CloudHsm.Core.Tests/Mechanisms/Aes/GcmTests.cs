using System.Security.Cryptography;
using CloudHsm.Core.Mechanisms.Aes;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Aes;

/// <summary>CKM_AES_GCM and CKM_CLOUDHSM_AES_GCM. (The two CK_GCM_PARAMS layouts are the boundary's
/// parser's business: CloudHsm.Pkcs11.Abi.Tests and the black-box tests cover them.)</summary>
public class GcmTests : AesFixture
{
    private static byte[] DotNetSeal(byte[] key, byte[] iv, byte[] aad, byte[] plain, int tagBytes = 16)
    {
        using var gcm = new AesGcm(key, tagBytes);
        var cipher = new byte[plain.Length];
        var tag = new byte[tagBytes];
        gcm.Encrypt(iv, plain, cipher, tag, aad);
        return [.. cipher, .. tag];
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(1024)]
    [TestCase(1000)]
    public void Matches_dotnet_AesGcm_single_and_multi_part(int length)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32), iv = RandomNumberGenerator.GetBytes(12), aad = RandomNumberGenerator.GetBytes(20);
        byte[] plain = RandomNumberGenerator.GetBytes(length), expected = DotNetSeal(key, iv, aad, plain);
        ulong h = AesKey(key);
        var m = M(CKM.CKM_AES_GCM, new GcmParameters(iv, aad, 128));
        Assert.That(Encrypt(m, h, plain), Is.EqualTo(expected));
        Assert.That(EncryptParts(m, h, plain, 7, 100), Is.EqualTo(expected));
        Assert.That(Decrypt(m, h, expected), Is.EqualTo(plain));
        Assert.That(DecryptParts(m, h, expected, 3, 64), Is.EqualTo(plain));
    }

    [TestCase(96)]
    [TestCase(104)]
    [TestCase(120)]
    public void Shorter_tags_match_dotnet(int tagBits)
    {
        byte[] key = RandomNumberGenerator.GetBytes(16), iv = RandomNumberGenerator.GetBytes(12), plain = RandomNumberGenerator.GetBytes(33);
        ulong h = AesKey(key);
        var m = M(CKM.CKM_AES_GCM, new GcmParameters(iv, [], (ulong)tagBits));
        byte[] expected = DotNetSeal(key, iv, [], plain, tagBits / 8);
        Assert.That(Encrypt(m, h, plain), Is.EqualTo(expected));
        Assert.That(Decrypt(m, h, expected), Is.EqualTo(plain));
    }

    [Test]
    public void Non_12_byte_IVs_work_and_round_trip()
    {
        // The GCM spec's test case 6 (McGrew & Viega, "The GCM mode of operation", AES-128, 60-byte IV).
        byte[] key = Hex("feffe9928665731c6d6a8f9467308308");
        byte[] iv = Hex("9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b");
        byte[] plain = Hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
        byte[] aad = Hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        byte[] expected = Hex("8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca701e4a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5"
            + "619cc5aefffe0bfa462af43c1699d050");
        ulong h = AesKey(key);
        var m = M(CKM.CKM_AES_GCM, new GcmParameters(iv, aad, 128));
        Assert.That(Encrypt(m, h, plain), Is.EqualTo(expected));
        Assert.That(DecryptParts(m, h, expected, 13), Is.EqualTo(plain));
        var one = M(CKM.CKM_AES_GCM, new GcmParameters([7], aad, 128));
        Assert.That(Decrypt(one, h, Encrypt(one, h, plain)), Is.EqualTo(plain));
    }

    [Test]
    public void A_bad_tag_is_CKR_ENCRYPTED_DATA_INVALID_and_releases_nothing()
    {
        byte[] key = RandomNumberGenerator.GetBytes(16), iv = RandomNumberGenerator.GetBytes(12);
        ulong h = AesKey(key);
        var m = M(CKM.CKM_AES_GCM, new GcmParameters(iv, [1, 2], 128));
        byte[] cipher = Encrypt(m, h, new byte[40]);
        cipher[^1] ^= 1;
        Backend.DecryptInit(Session, m, h);
        var output = new byte[40];
        Assert.That(Fails(() => Backend.Decrypt(Session, cipher, output, false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_INVALID));
        Assert.That(output, Is.All.EqualTo(0));
        AssertDecryptEnded();
        Backend.DecryptInit(Session, m, h);
        Assert.That(Backend.DecryptUpdate(Session, cipher, output, false), Is.Zero, "multi-part decryption releases nothing before Final");
        Assert.That(Fails(() => Backend.DecryptFinal(Session, output, false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_INVALID));
        // A wrong AAD fails the same way.
        Backend.DecryptInit(Session, M(CKM.CKM_AES_GCM, new GcmParameters(iv, [1, 3], 128)), h);
        cipher[^1] ^= 1;
        Assert.That(Fails(() => Backend.Decrypt(Session, cipher, output, false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_INVALID));
        // Shorter than the tag.
        Backend.DecryptInit(Session, m, h);
        Assert.That(Fails(() => Backend.Decrypt(Session, new byte[15], output, false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_LEN_RANGE));
    }

    public static IEnumerable<TestCaseData> BadParameters()
    {
        yield return new TestCaseData(CKM.CKM_AES_GCM, new GcmParameters(new byte[12], [], 88)).SetName("tag 88 bits");
        yield return new TestCaseData(CKM.CKM_AES_GCM, new GcmParameters(new byte[12], [], 100)).SetName("tag 100 bits");
        yield return new TestCaseData(CKM.CKM_AES_GCM, new GcmParameters(new byte[12], [], 136)).SetName("tag 136 bits");
        yield return new TestCaseData(CKM.CKM_AES_GCM, new GcmParameters(new byte[12], [], 0)).SetName("tag 0 bits");
        yield return new TestCaseData(CKM.CKM_AES_GCM, new GcmParameters([], [], 128)).SetName("empty IV");
        yield return new TestCaseData(CKM.CKM_AES_GCM, null).SetName("no parameter");
        yield return new TestCaseData(CKM.CKM_AES_GCM, new Backend.ByteArrayParameter(new byte[12])).SetName("bare IV bytes");
        yield return new TestCaseData(CKM.CKM_CLOUDHSM_AES_GCM, new GcmParameters([], [], 64)).SetName("vendor tag 64 bits");
    }

    [TestCaseSource(nameof(BadParameters))]
    public void Bad_parameters_are_CKR_MECHANISM_PARAM_INVALID(CKM type, Backend.MechanismParameter? parameter)
    {
        ulong h = AesKey(new byte[16]);
        Assert.That(Fails(() => Backend.EncryptInit(Session, M(type, parameter), h)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        Assert.That(Fails(() => Backend.DecryptInit(Session, M(type, parameter), h)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    [Test]
    public void Vendor_GCM_generates_the_IV_and_prepends_it()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32), aad = [9, 8, 7], plain = RandomNumberGenerator.GetBytes(100);
        ulong h = AesKey(key);
        var m = M(CKM.CKM_CLOUDHSM_AES_GCM, new GcmParameters([], aad, 128));
        byte[] first = Encrypt(m, h, plain), second = Encrypt(m, h, plain);
        Assert.That(first, Has.Length.EqualTo(12 + 100 + 16));
        Assert.That(first[..12], Is.Not.EqualTo(second[..12]), "a fresh IV per call");
        Assert.That(first[12..], Is.EqualTo(DotNetSeal(key, first[..12], aad, plain)), "IV || ciphertext || tag");
        Assert.That(Decrypt(m, h, first), Is.EqualTo(plain));
        Assert.That(DecryptParts(m, h, second, 5, 50), Is.EqualTo(plain));
        Assert.That(EncryptParts(m, h, plain, 33), Has.Length.EqualTo(128));
        // The caller's IV is ignored, and no parameter means no AAD and a 128-bit tag.
        var withIv = M(CKM.CKM_CLOUDHSM_AES_GCM, new GcmParameters(new byte[12], aad, 128));
        Assert.That(Decrypt(withIv, h, first), Is.EqualTo(plain));
        byte[] bare = Encrypt(M(CKM.CKM_CLOUDHSM_AES_GCM), h, plain);
        Assert.That(bare[12..], Is.EqualTo(DotNetSeal(key, bare[..12], [], plain)));
        first[5] ^= 1;
        Backend.DecryptInit(Session, m, h);
        Assert.That(Fails(() => Backend.Decrypt(Session, first, new byte[200], false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_INVALID));
        Backend.DecryptInit(Session, m, h);
        Assert.That(Fails(() => Backend.Decrypt(Session, new byte[27], new byte[200], false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_LEN_RANGE));
    }

    [Test]
    public void Size_query_keeps_the_operation_and_is_exact()
    {
        ulong h = AesKey(new byte[16]);
        Backend.EncryptInit(Session, M(CKM.CKM_AES_GCM, new GcmParameters(new byte[12], [], 96)), h);
        Backend.EncryptUpdate(Session, new byte[10], default, false);
        Assert.That(Backend.EncryptFinal(Session, default, sizeQuery: true), Is.EqualTo(22));
        Assert.Throws<Errors.BufferTooSmallException>(() => Backend.EncryptFinal(Session, new byte[21], false));
        Assert.That(Backend.EncryptFinal(Session, new byte[22], false), Is.EqualTo(22));
    }

    [Test]
    public void One_key_used_from_many_threads_gives_correct_results()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        ulong h = AesKey(key);
        var failures = 0;
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            ulong s = Backend.OpenSession(SlotId, CKF.CKF_SERIAL_SESSION);
            for (int i = 0; i < 200; i++)
            {
                byte[] iv = RandomNumberGenerator.GetBytes(12), plain = RandomNumberGenerator.GetBytes(64);
                Backend.EncryptInit(s, M(CKM.CKM_AES_GCM, new GcmParameters(iv, [], 128)), h);
                var output = new byte[80];
                Backend.Encrypt(s, plain, output, false);
                if (!output.AsSpan().SequenceEqual(DotNetSeal(key, iv, [], plain))) Interlocked.Increment(ref failures);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.That(failures, Is.Zero);
    }
}
