using System.Security.Cryptography;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Aes;

/// <summary>CKM_AES_ECB/CBC/CBC_PAD and CKM_DES3_ECB/CBC/CBC_PAD.</summary>
public class BlockModeTests : AesFixture
{
    // NIST SP 800-38A, Appendix F: the four-block plaintext and the F.1 (ECB), F.2 (CBC) results.
    private const string Sp80038aPlain = "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";
    private const string Aes128Key = "2b7e151628aed2a6abf7158809cf4f3c";
    private const string Aes256Key = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
    private const string CbcIv = "000102030405060708090a0b0c0d0e0f";

    public static IEnumerable<TestCaseData> Sp80038aVectors()
    {
        yield return new TestCaseData(CKM.CKM_AES_ECB, Aes128Key, "3ad77bb40d7a3660a89ecaf32466ef97 f5d3d58503b9699de785895a96fdbaaf 43b1cd7f598ece23881b00e3ed030688 7b0c785e27e8ad3f8223207104725dd4").SetName("F.1.1 ECB-AES128");
        yield return new TestCaseData(CKM.CKM_AES_ECB, Aes256Key, "f3eed1bdb5d2a03c064b5a7e3db181f8 591ccb10d410ed26dc5ba74a31362870 b6ed21b99ca6f4f9f153e7b1beafed1d 23304b7a39f9f3ff067d8d8f9e24ecc7").SetName("F.1.5 ECB-AES256");
        yield return new TestCaseData(CKM.CKM_AES_CBC, Aes128Key, "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2 73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7").SetName("F.2.1 CBC-AES128");
        yield return new TestCaseData(CKM.CKM_AES_CBC, Aes256Key, "f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d 39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b").SetName("F.2.5 CBC-AES256");
    }

    [TestCaseSource(nameof(Sp80038aVectors))]
    public void SP_800_38A_known_answers_single_and_multi_part(CKM type, string key, string expected)
    {
        ulong h = AesKey(key);
        var mechanism = type == CKM.CKM_AES_ECB ? M(type) : M(type, Hex(CbcIv));
        byte[] plain = Hex(Sp80038aPlain), cipher = Hex(expected);
        Assert.That(Encrypt(mechanism, h, plain), Is.EqualTo(cipher));
        Assert.That(EncryptParts(mechanism, h, plain, 5, 16, 27, 1), Is.EqualTo(cipher));
        Assert.That(Decrypt(mechanism, h, cipher), Is.EqualTo(plain));
        Assert.That(DecryptParts(mechanism, h, cipher, 7, 33, 16), Is.EqualTo(plain));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(15)]
    [TestCase(16)]
    [TestCase(17)]
    [TestCase(100)]
    public void AES_CBC_PAD_matches_dotnet_PKCS7_for_every_length_class(int length)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32), iv = RandomNumberGenerator.GetBytes(16), plain = RandomNumberGenerator.GetBytes(length);
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = key;
        byte[] expected = aes.EncryptCbc(plain, iv, PaddingMode.PKCS7);
        ulong h = AesKey(key);
        var m = M(CKM.CKM_AES_CBC_PAD, iv);
        Assert.That(Encrypt(m, h, plain), Is.EqualTo(expected));
        Assert.That(EncryptParts(m, h, plain, 3, 16, 29), Is.EqualTo(expected));
        Assert.That(Decrypt(m, h, expected), Is.EqualTo(plain));
        Assert.That(DecryptParts(m, h, expected, 16), Is.EqualTo(plain), "whole blocks: the last one waits for Final");
        Assert.That(DecryptParts(m, h, expected, 1, 5, 31), Is.EqualTo(plain));
    }

    [Test]
    public void CBC_PAD_decrypt_update_holds_back_the_last_block()
    {
        byte[] iv = new byte[16];
        ulong h = AesKey(new byte[16]);
        byte[] cipher = Encrypt(M(CKM.CKM_AES_CBC_PAD, iv), h, new byte[40]); // 48 bytes
        Backend.DecryptInit(Session, M(CKM.CKM_AES_CBC_PAD, iv), h);
        Assert.That(Backend.DecryptUpdate(Session, cipher.AsSpan(0, 32), default, sizeQuery: true), Is.EqualTo(16));
        var output = new byte[64];
        Assert.That(Backend.DecryptUpdate(Session, cipher.AsSpan(0, 32), output, false), Is.EqualTo(16));
        Assert.That(Backend.DecryptUpdate(Session, cipher.AsSpan(32), output, false), Is.EqualTo(16));
        Assert.That(Backend.DecryptFinal(Session, output, false), Is.EqualTo(8));
    }

    [Test]
    public void CBC_PAD_bad_padding_is_CKR_ENCRYPTED_DATA_INVALID()
    {
        byte[] key = new byte[16], iv = new byte[16];
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = key;
        byte[] block = new byte[16];
        block[15] = 17; // a pad length beyond the block
        byte[] cipher = aes.EncryptCbc(block, iv, PaddingMode.None);
        ulong h = AesKey(key);
        Backend.DecryptInit(Session, M(CKM.CKM_AES_CBC_PAD, iv), h);
        Assert.That(Fails(() => Backend.Decrypt(Session, cipher, new byte[16], false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_INVALID));
        AssertDecryptEnded();
        block[15] = 2; block[14] = 3; // inconsistent pad bytes
        cipher = aes.EncryptCbc(block, iv, PaddingMode.None);
        Assert.That(Fails(() => DecryptParts(M(CKM.CKM_AES_CBC_PAD, iv), h, cipher, 5)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_INVALID));
    }

    [TestCase(CKM.CKM_AES_ECB)]
    [TestCase(CKM.CKM_AES_CBC)]
    public void Unpadded_modes_refuse_partial_blocks(CKM type)
    {
        ulong h = AesKey(new byte[16]);
        var m = type == CKM.CKM_AES_ECB ? M(type) : M(type, new byte[16]);
        Backend.EncryptInit(Session, m, h);
        Assert.That(Fails(() => Backend.Encrypt(Session, new byte[17], new byte[32], false)), Is.EqualTo(CKR.CKR_DATA_LEN_RANGE));
        AssertEncryptEnded();
        Backend.DecryptInit(Session, m, h);
        Assert.That(Fails(() => Backend.Decrypt(Session, new byte[15], new byte[32], false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_LEN_RANGE));
        Backend.EncryptInit(Session, m, h);
        Backend.EncryptUpdate(Session, new byte[20], new byte[32], false);
        Assert.That(Fails(() => Backend.EncryptFinal(Session, new byte[32], false)), Is.EqualTo(CKR.CKR_DATA_LEN_RANGE));
        Backend.DecryptInit(Session, m, h);
        Backend.DecryptUpdate(Session, new byte[20], new byte[32], false);
        Assert.That(Fails(() => Backend.DecryptFinal(Session, new byte[32], false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_LEN_RANGE));
    }

    [Test]
    public void CBC_PAD_decrypt_of_a_partial_block_is_CKR_ENCRYPTED_DATA_LEN_RANGE()
    {
        ulong h = AesKey(new byte[16]);
        Backend.DecryptInit(Session, M(CKM.CKM_AES_CBC_PAD, new byte[16]), h);
        Assert.That(Fails(() => Backend.Decrypt(Session, new byte[20], new byte[32], false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_LEN_RANGE));
        Backend.DecryptInit(Session, M(CKM.CKM_AES_CBC_PAD, new byte[16]), h);
        Assert.That(Fails(() => Backend.Decrypt(Session, [], new byte[32], false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_LEN_RANGE));
    }

    public static IEnumerable<TestCaseData> BadParameters()
    {
        yield return new TestCaseData(CKM.CKM_AES_CBC, null).SetName("CBC without IV");
        yield return new TestCaseData(CKM.CKM_AES_CBC, new ByteArrayParameter(new byte[15])).SetName("CBC 15-byte IV");
        yield return new TestCaseData(CKM.CKM_AES_CBC_PAD, new ByteArrayParameter(new byte[17])).SetName("CBC_PAD 17-byte IV");
        yield return new TestCaseData(CKM.CKM_AES_CBC_PAD, new ByteArrayParameter(new byte[8])).SetName("CBC_PAD DES-sized IV");
        yield return new TestCaseData(CKM.CKM_AES_ECB, new ByteArrayParameter(new byte[16])).SetName("ECB with a parameter");
    }

    [TestCaseSource(nameof(BadParameters))]
    public void Bad_parameters_are_CKR_MECHANISM_PARAM_INVALID(CKM type, MechanismParameter? parameter)
    {
        ulong h = AesKey(new byte[16]);
        Assert.That(Fails(() => Backend.EncryptInit(Session, M(type, parameter), h)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        Assert.That(Fails(() => Backend.DecryptInit(Session, M(type, parameter), h)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    [Test]
    public void Size_query_and_too_small_buffer_keep_the_operation()
    {
        ulong h = AesKey(new byte[16]);
        Backend.EncryptInit(Session, M(CKM.CKM_AES_CBC_PAD, new byte[16]), h);
        byte[] plain = new byte[20];
        Assert.That(Backend.Encrypt(Session, plain, default, sizeQuery: true), Is.EqualTo(32));
        var small = Assert.Throws<Errors.BufferTooSmallException>(() => Backend.Encrypt(Session, plain, new byte[31], false))!;
        Assert.That(small.RequiredLength, Is.EqualTo(32));
        Assert.That(Backend.Encrypt(Session, plain, new byte[32], false), Is.EqualTo(32));
        AssertEncryptEnded();
    }

    [Test]
    public void In_place_multi_part_encryption_is_correct()
    {
        byte[] key = RandomNumberGenerator.GetBytes(16), iv = RandomNumberGenerator.GetBytes(16), plain = RandomNumberGenerator.GetBytes(64);
        ulong h = AesKey(key);
        byte[] expected = Encrypt(M(CKM.CKM_AES_CBC, iv), h, plain);
        Backend.EncryptInit(Session, M(CKM.CKM_AES_CBC, iv), h);
        var buffer = (byte[])plain.Clone();
        int n = Backend.EncryptUpdate(Session, buffer.AsSpan(0, 5), buffer.AsSpan(0, 5), false);
        Assert.That(n, Is.Zero);
        n = Backend.EncryptUpdate(Session, buffer.AsSpan(5, 55), buffer.AsSpan(0, 55), false); // output starts 5 bytes before input
        Assert.That(n, Is.EqualTo(48));
        Assert.That(buffer[..48], Is.EqualTo(expected[..48]));
    }

    [Test]
    public void DES3_modes_match_dotnet_TripleDES()
    {
        byte[] key = Hex("0123456789abcdef 23456789abcdef01 456789abcdef0123"), iv = Hex("1234567890abcdef");
        byte[] plain = RandomNumberGenerator.GetBytes(43), whole = plain[..40];
#pragma warning disable CA5350 // the reference implementation for the DES3 mechanisms under test
        using var des3 = TripleDES.Create();
#pragma warning restore CA5350
        des3.Key = key;
        ulong h = SecretKey(CKK.CKK_DES3, key);
        Assert.That(Encrypt(M(CKM.CKM_DES3_ECB), h, whole), Is.EqualTo(des3.EncryptEcb(whole, PaddingMode.None)));
        Assert.That(Encrypt(M(CKM.CKM_DES3_CBC, iv), h, whole), Is.EqualTo(des3.EncryptCbc(whole, iv, PaddingMode.None)));
        byte[] padded = des3.EncryptCbc(plain, iv, PaddingMode.PKCS7);
        Assert.That(Encrypt(M(CKM.CKM_DES3_CBC_PAD, iv), h, plain), Is.EqualTo(padded));
        Assert.That(EncryptParts(M(CKM.CKM_DES3_CBC_PAD, iv), h, plain, 3, 9), Is.EqualTo(padded));
        Assert.That(DecryptParts(M(CKM.CKM_DES3_CBC_PAD, iv), h, padded, 8), Is.EqualTo(plain));
        Assert.That(Decrypt(M(CKM.CKM_DES3_CBC, iv), h, des3.EncryptCbc(whole, iv, PaddingMode.None)), Is.EqualTo(whole));
        Assert.That(Fails(() => Backend.EncryptInit(Session, M(CKM.CKM_DES3_CBC, new byte[16]), h)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    [Test]
    public void Keys_of_the_other_cipher_are_CKR_KEY_TYPE_INCONSISTENT()
    {
        ulong des3 = SecretKey(CKK.CKK_DES3, Hex("0123456789abcdef 23456789abcdef01 456789abcdef0123"));
        ulong aes = AesKey(new byte[24]);
        ulong generic = SecretKey(CKK.CKK_GENERIC_SECRET, new byte[16]);
        foreach (var type in (CKM[])[CKM.CKM_AES_ECB, CKM.CKM_AES_CTR, CKM.CKM_AES_GCM, CKM.CKM_AES_KEY_WRAP, CKM.CKM_CLOUDHSM_AES_GCM])
        {
            Assert.That(Fails(() => Backend.EncryptInit(Session, M(type), des3)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT), $"{type} with DES3");
            Assert.That(Fails(() => Backend.DecryptInit(Session, M(type), generic)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT), $"{type} with a generic secret");
        }
        Assert.That(Fails(() => Backend.EncryptInit(Session, M(CKM.CKM_DES3_ECB), aes)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
        Assert.That(Fails(() => Backend.EncryptInit(Session, M(CKM.CKM_AES_CBC, new byte[16]), des3)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
    }

    [Test]
    public void Key_without_CKA_ENCRYPT_is_refused()
    {
        ulong h = SecretKey(CKK.CKK_AES, new byte[16], Attributes.TemplateAttribute.Bool(CKA.CKA_SIGN, true));
        ulong noEncrypt = Backend.CreateObject(Session, new Attributes.Template(
        [
            Attributes.TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY),
            Attributes.TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)CKK.CKK_AES),
            new Attributes.TemplateAttribute(CKA.CKA_VALUE, new byte[16]),
            Attributes.TemplateAttribute.Bool(CKA.CKA_ENCRYPT, false),
        ]));
        Assert.That(h, Is.Not.Zero);
        Assert.That(Fails(() => Backend.EncryptInit(Session, M(CKM.CKM_AES_ECB), noEncrypt)), Is.EqualTo(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED));
    }
}
