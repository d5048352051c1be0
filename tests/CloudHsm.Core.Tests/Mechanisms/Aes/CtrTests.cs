using System.Security.Cryptography;
using CloudHsm.Core.Mechanisms.Aes;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Aes;

/// <summary>CKM_AES_CTR with CK_AES_CTR_PARAMS.</summary>
public class CtrTests : AesFixture
{
    // NIST SP 800-38A F.5.1 (CTR-AES128) and F.5.5 (CTR-AES256): initial counter block f0f1…feff.
    private const string Plain = "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";
    private const string Counter = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

    [TestCase("2b7e151628aed2a6abf7158809cf4f3c", "874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff 5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee", TestName = "F.5.1 CTR-AES128")]
    [TestCase("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "601ec313775789a5b7a7f504bbf3d228 f443e3ca4d62b59aca84e990cacaf5c5 2b0930daa23de94ce87017ba2d84988d dfc9c58db67aada613c2dd08457941a6", TestName = "F.5.5 CTR-AES256")]
    public void SP_800_38A_known_answers(string key, string expected)
    {
        ulong h = AesKey(key);
        var m = M(CKM.CKM_AES_CTR, new AesCtrParameters(128, Hex(Counter)));
        byte[] plain = Hex(Plain), cipher = Hex(expected);
        Assert.That(Encrypt(m, h, plain), Is.EqualTo(cipher));
        Assert.That(EncryptParts(m, h, plain, 1, 7, 16, 33), Is.EqualTo(cipher));
        Assert.That(Decrypt(m, h, cipher), Is.EqualTo(plain));
        Assert.That(DecryptParts(m, h, cipher, 5, 11), Is.EqualTo(plain));
        Assert.That(Encrypt(m, h, plain[..23]), Is.EqualTo(cipher[..23]), "a partial last block is a stream cipher's");
    }

    [Test]
    public void Counter_field_may_not_wrap()
    {
        ulong h = AesKey(new byte[16]);
        var block = new byte[16];
        block[15] = 0xFE; // an 8-bit counter at 254: two blocks left
        var m = M(CKM.CKM_AES_CTR, new AesCtrParameters(8, block));
        Assert.That(Encrypt(m, h, new byte[32]), Has.Length.EqualTo(32));
        Backend.EncryptInit(Session, m, h);
        Assert.That(Fails(() => Backend.Encrypt(Session, new byte[33], new byte[64], false)), Is.EqualTo(CKR.CKR_DATA_LEN_RANGE));
        AssertEncryptEnded();
        Backend.DecryptInit(Session, m, h);
        Backend.DecryptUpdate(Session, new byte[20], new byte[20], false);
        Backend.DecryptUpdate(Session, new byte[12], new byte[12], false);
        Assert.That(Fails(() => Backend.DecryptUpdate(Session, new byte[1], new byte[1], false)), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_LEN_RANGE));
    }

    [Test]
    public void Counter_increments_only_within_its_bits_and_matches_a_manual_CTR()
    {
        byte[] key = RandomNumberGenerator.GetBytes(16), block = RandomNumberGenerator.GetBytes(16), plain = RandomNumberGenerator.GetBytes(50);
        block[12] = block[13] = block[14] = 0; block[15] = 1; // a 32-bit counter far from wrapping
        ulong h = AesKey(key);
        byte[] cipher = Encrypt(M(CKM.CKM_AES_CTR, new AesCtrParameters(32, block)), h, plain);
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = key;
        var expected = new byte[50];
        for (int i = 0; i < 4; i++)
        {
            var counter = (byte[])block.Clone();
            counter[15] += (byte)i;
            var stream = aes.EncryptEcb(counter, PaddingMode.None);
            for (int j = 0; j < 16 && i * 16 + j < 50; j++)
                expected[i * 16 + j] = (byte)(plain[i * 16 + j] ^ stream[j]);
        }
        Assert.That(cipher, Is.EqualTo(expected));
    }

    [TestCase(0ul, 16)]
    [TestCase(129ul, 16)]
    [TestCase(64ul, 15)]
    public void Bad_parameters_are_CKR_MECHANISM_PARAM_INVALID(ulong bits, int blockLength)
    {
        ulong h = AesKey(new byte[16]);
        Assert.That(Fails(() => Backend.EncryptInit(Session, M(CKM.CKM_AES_CTR, new AesCtrParameters(bits, new byte[blockLength])), h)),
            Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        Assert.That(Fails(() => Backend.EncryptInit(Session, M(CKM.CKM_AES_CTR, new byte[16]), h)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        Assert.That(Fails(() => Backend.EncryptInit(Session, M(CKM.CKM_AES_CTR), h)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }
}
