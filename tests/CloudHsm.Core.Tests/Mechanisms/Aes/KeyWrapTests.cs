using System.Security.Cryptography;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Aes;

/// <summary>The AES key-wrap ciphers, as encrypt/decrypt of arbitrary bytes (C_WrapKey builds on them).</summary>
public class KeyWrapTests : AesFixture
{
    public static IEnumerable<TestCaseData> Rfc3394Vectors()
    {
        // RFC 3394 §4.1 (128-bit KEK, 128-bit key data) and §4.6 (256-bit KEK, 256-bit key data).
        yield return new TestCaseData("000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF",
            "1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5").SetName("RFC 3394 4.1");
        yield return new TestCaseData("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
            "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
            "28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21").SetName("RFC 3394 4.6");
        yield return new TestCaseData("000102030405060708090A0B0C0D0E0F1011121314151617", "00112233445566778899AABBCCDDEEFF0001020304050607",
            "031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2").SetName("RFC 3394 4.5");
    }

    [TestCaseSource(nameof(Rfc3394Vectors))]
    public void RFC_3394_known_answers(string kek, string data, string wrapped)
    {
        ulong h = AesKey(kek);
        foreach (var type in (CKM[])[CKM.CKM_AES_KEY_WRAP, CKM.CKM_CLOUDHSM_AES_KEY_WRAP_NO_PAD])
        {
            Assert.That(Encrypt(M(type), h, Hex(data)), Is.EqualTo(Hex(wrapped)), $"{type}");
            Assert.That(Decrypt(M(type), h, Hex(wrapped)), Is.EqualTo(Hex(data)), $"{type}");
            Assert.That(EncryptParts(M(type), h, Hex(data), 5), Is.EqualTo(Hex(wrapped)), $"{type} multi-part");
        }
        Assert.That(Encrypt(M(CKM.CKM_AES_KEY_WRAP, Hex("A6A6A6A6A6A6A6A6")), h, Hex(data)), Is.EqualTo(Hex(wrapped)), "explicit default IV");
        Assert.That(Encrypt(M(CKM.CKM_CLOUDHSM_AES_KEY_WRAP_NO_PAD, Hex("A6A6A6A6A6A6A6A6")), h, Hex(data)), Is.EqualTo(Hex(wrapped)));
    }

    public static IEnumerable<TestCaseData> Rfc5649Vectors()
    {
        // RFC 5649 §6: a 20-byte and a 7-byte key under one 192-bit KEK.
        yield return new TestCaseData("c37b7e6492584340bed12207808941155068f738", "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a").SetName("RFC 5649 20 bytes");
        yield return new TestCaseData("466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f").SetName("RFC 5649 7 bytes");
    }

    [TestCaseSource(nameof(Rfc5649Vectors))]
    public void RFC_5649_known_answers(string data, string wrapped)
    {
        ulong h = AesKey("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8");
        foreach (var type in (CKM[])[CKM.CKM_AES_KEY_WRAP_KWP, CKM.CKM_CLOUDHSM_AES_KEY_WRAP_ZERO_PAD])
        {
            Assert.That(Encrypt(M(type), h, Hex(data)), Is.EqualTo(Hex(wrapped)), $"{type}");
            Assert.That(Decrypt(M(type), h, Hex(wrapped)), Is.EqualTo(Hex(data)), $"{type}");
        }
        Assert.That(Encrypt(M(CKM.CKM_AES_KEY_WRAP_KWP, Hex("A65959A6")), h, Hex(data)), Is.EqualTo(Hex(wrapped)), "explicit default AIV half");
    }

    [TestCase(1)]
    [TestCase(8)]
    [TestCase(9)]
    [TestCase(31)]
    [TestCase(32)]
    public void KWP_matches_dotnet_EncryptKeyWrapPadded(int length)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32), data = RandomNumberGenerator.GetBytes(length);
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = key;
        byte[] expected = aes.EncryptKeyWrapPadded(data);
        ulong h = AesKey(key);
        Assert.That(Encrypt(M(CKM.CKM_AES_KEY_WRAP_KWP), h, data), Is.EqualTo(expected));
        Assert.That(Decrypt(M(CKM.CKM_CLOUDHSM_AES_KEY_WRAP_ZERO_PAD), h, expected), Is.EqualTo(data));
    }

    [TestCase(CKM.CKM_AES_KEY_WRAP_PAD)]
    [TestCase(CKM.CKM_AES_KEY_WRAP_PKCS7)]
    [TestCase(CKM.CKM_CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD)]
    public void PKCS7_padding_then_RFC_3394(CKM type)
    {
        byte[] kek = Hex("000102030405060708090A0B0C0D0E0F");
        ulong h = AesKey(kek);
        // 16 bytes of key data get a whole semiblock of 0x08: RFC 3394 over the 24 padded bytes.
        byte[] data = Hex("00112233445566778899AABBCCDDEEFF");
        byte[] padded = [.. data, 8, 8, 8, 8, 8, 8, 8, 8];
        byte[] expected = Encrypt(M(CKM.CKM_AES_KEY_WRAP), h, padded);
        Assert.That(Encrypt(M(type), h, data), Is.EqualTo(expected));
        Assert.That(Decrypt(M(type), h, expected), Is.EqualTo(data));
        byte[] odd = RandomNumberGenerator.GetBytes(13);
        Assert.That(Encrypt(M(type), h, odd), Has.Length.EqualTo(24));
        Assert.That(Decrypt(M(type), h, Encrypt(M(type), h, odd)), Is.EqualTo(odd));
        // Correct RFC 3394 integrity but broken padding is still refused.
        byte[] badPad = Encrypt(M(CKM.CKM_AES_KEY_WRAP), h, [.. data, 8, 8, 8, 8, 8, 8, 8, 7]);
        Backend.DecryptInit(Session, M(type), h);
        Assert.That(Fails(() => Backend.Decrypt(Session, badPad, new byte[32], false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_INVALID));
    }

    public static IEnumerable<TestCaseData> LengthErrors()
    {
        yield return new TestCaseData(CKM.CKM_AES_KEY_WRAP, true, 8).SetName("KW encrypt one semiblock");
        yield return new TestCaseData(CKM.CKM_AES_KEY_WRAP, true, 17).SetName("KW encrypt 17 bytes");
        yield return new TestCaseData(CKM.CKM_AES_KEY_WRAP, true, 0).SetName("KW encrypt nothing");
        yield return new TestCaseData(CKM.CKM_AES_KEY_WRAP_PAD, true, 7).SetName("KW_PAD encrypt 7 bytes");
        yield return new TestCaseData(CKM.CKM_AES_KEY_WRAP_KWP, true, 0).SetName("KWP encrypt nothing");
        yield return new TestCaseData(CKM.CKM_AES_KEY_WRAP, false, 16).SetName("KW decrypt 16 bytes");
        yield return new TestCaseData(CKM.CKM_AES_KEY_WRAP, false, 25).SetName("KW decrypt 25 bytes");
        yield return new TestCaseData(CKM.CKM_AES_KEY_WRAP_KWP, false, 8).SetName("KWP decrypt 8 bytes");
        yield return new TestCaseData(CKM.CKM_AES_KEY_WRAP_KWP, false, 20).SetName("KWP decrypt 20 bytes");
    }

    [TestCaseSource(nameof(LengthErrors))]
    public void Wrong_lengths_are_LEN_RANGE(CKM type, bool encrypt, int length)
    {
        ulong h = AesKey(new byte[16]);
        if (encrypt)
        {
            Backend.EncryptInit(Session, M(type), h);
            Assert.That(Fails(() => Backend.Encrypt(Session, new byte[length], new byte[64], false)), Is.EqualTo(CKR.CKR_DATA_LEN_RANGE));
        }
        else
        {
            Backend.DecryptInit(Session, M(type), h);
            Assert.That(Fails(() => Backend.Decrypt(Session, new byte[length], new byte[64], false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_LEN_RANGE));
        }
    }

    [TestCase(CKM.CKM_AES_KEY_WRAP)]
    [TestCase(CKM.CKM_AES_KEY_WRAP_KWP)]
    [TestCase(CKM.CKM_AES_KEY_WRAP_PAD)]
    public void Tampering_is_CKR_ENCRYPTED_DATA_INVALID(CKM type)
    {
        ulong h = AesKey(RandomNumberGenerator.GetBytes(16));
        byte[] wrapped = Encrypt(M(type), h, RandomNumberGenerator.GetBytes(24));
        wrapped[3] ^= 0x40;
        Backend.DecryptInit(Session, M(type), h);
        var output = new byte[64];
        Assert.That(Fails(() => Backend.Decrypt(Session, wrapped, output, false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_INVALID));
        Assert.That(output, Is.All.EqualTo(0));
    }

    [Test]
    public void A_custom_IV_must_match_on_unwrap()
    {
        ulong h = AesKey(RandomNumberGenerator.GetBytes(16));
        byte[] data = RandomNumberGenerator.GetBytes(16);
        byte[] wrapped = Encrypt(M(CKM.CKM_AES_KEY_WRAP, Hex("0102030405060708")), h, data);
        Assert.That(Decrypt(M(CKM.CKM_AES_KEY_WRAP, Hex("0102030405060708")), h, wrapped), Is.EqualTo(data));
        Backend.DecryptInit(Session, M(CKM.CKM_AES_KEY_WRAP), h);
        Assert.That(Fails(() => Backend.Decrypt(Session, wrapped, new byte[16], false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_INVALID));
        byte[] kwp = Encrypt(M(CKM.CKM_AES_KEY_WRAP_KWP, Hex("01020304")), h, data[..5]);
        Assert.That(Decrypt(M(CKM.CKM_AES_KEY_WRAP_KWP, Hex("01020304")), h, kwp), Is.EqualTo(data[..5]));
        Backend.DecryptInit(Session, M(CKM.CKM_AES_KEY_WRAP_KWP), h);
        Assert.That(Fails(() => Backend.Decrypt(Session, kwp, new byte[16], false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_INVALID));
    }

    public static IEnumerable<TestCaseData> BadParameters()
    {
        yield return new TestCaseData(CKM.CKM_AES_KEY_WRAP, new ByteArrayParameter(new byte[7])).SetName("KW 7-byte IV");
        yield return new TestCaseData(CKM.CKM_AES_KEY_WRAP_PAD, new ByteArrayParameter(new byte[16])).SetName("KW_PAD 16-byte IV");
        yield return new TestCaseData(CKM.CKM_AES_KEY_WRAP_KWP, new ByteArrayParameter(new byte[8])).SetName("KWP 8-byte IV");
        yield return new TestCaseData(CKM.CKM_CLOUDHSM_AES_KEY_WRAP_NO_PAD, new ByteArrayParameter(new byte[8])).SetName("vendor NO_PAD non-default IV");
        yield return new TestCaseData(CKM.CKM_CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD, new ByteArrayParameter(new byte[8])).SetName("vendor PKCS5 non-default IV");
        yield return new TestCaseData(CKM.CKM_CLOUDHSM_AES_KEY_WRAP_ZERO_PAD, new ByteArrayParameter([0xA6, 0x59, 0x59, 0xA6])).SetName("vendor ZERO_PAD any IV");
    }

    [TestCaseSource(nameof(BadParameters))]
    public void Bad_parameters_are_CKR_MECHANISM_PARAM_INVALID(CKM type, MechanismParameter parameter)
    {
        ulong h = AesKey(new byte[16]);
        Assert.That(Fails(() => Backend.EncryptInit(Session, M(type, parameter), h)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    [Test]
    public void Mechanism_info_declares_wrap_and_key_sizes()
    {
        foreach (var type in (CKM[])[CKM.CKM_AES_KEY_WRAP, CKM.CKM_AES_KEY_WRAP_PAD, CKM.CKM_AES_KEY_WRAP_KWP, CKM.CKM_AES_GCM,
                     CKM.CKM_AES_CBC_PAD, CKM.CKM_CLOUDHSM_AES_GCM, CKM.CKM_CLOUDHSM_AES_KEY_WRAP_NO_PAD,
                     CKM.CKM_CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD, CKM.CKM_CLOUDHSM_AES_KEY_WRAP_ZERO_PAD])
        {
            var info = Backend.GetMechanismInfo(SlotId, type);
            Assert.That(info.Flags, Is.EqualTo(CKF.CKF_ENCRYPT | CKF.CKF_DECRYPT | CKF.CKF_WRAP | CKF.CKF_UNWRAP), $"{type}");
            Assert.That((info.MinKeySize, info.MaxKeySize), Is.EqualTo((16ul, 32ul)), $"{type}");
        }
        var ecb = Backend.GetMechanismInfo(SlotId, CKM.CKM_AES_ECB);
        Assert.That(ecb.Flags, Is.EqualTo(CKF.CKF_ENCRYPT | CKF.CKF_DECRYPT));
        var des3 = Backend.GetMechanismInfo(SlotId, CKM.CKM_DES3_CBC);
        Assert.That((des3.MinKeySize, des3.MaxKeySize), Is.EqualTo((24ul, 24ul)));
        Assert.That(Backend.GetMechanismInfo(SlotId, CKM.CKM_AES_KEY_GEN).Flags, Is.EqualTo(CKF.CKF_GENERATE));
        Assert.That(Backend.GetMechanismInfo(SlotId, CKM.CKM_DES3_KEY_GEN).Flags, Is.EqualTo(CKF.CKF_GENERATE));
    }
}
