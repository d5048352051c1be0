using System.Security.Cryptography;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Mac;

/// <summary>CKM_AES_CMAC and CKM_AES_CMAC_GENERAL: RFC 4493 §4 known answers and the refusals.</summary>
public class AesCmacTests : MacFixture
{
    private const string Rfc4493Key = "2b7e151628aed2a6abf7158809cf4f3c";
    private const string Rfc4493Message = "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";

    [TestCase(0, "bb1d6929e95937287fa37d129b756746", TestName = "RFC 4493 Example 1 (empty)")]
    [TestCase(16, "070a16b46b4d4144f79bdd9dd04a287c", TestName = "RFC 4493 Example 2 (16 bytes)")]
    [TestCase(40, "dfa66747de9ae63030ca32611497c827", TestName = "RFC 4493 Example 3 (40 bytes)")]
    [TestCase(64, "51f0bebf7e3b9d92fc49741779363cfe", TestName = "RFC 4493 Example 4 (64 bytes)")]
    public void Known_answer(int length, string expected)
    {
        ulong key = Key(CKK.CKK_AES, Hex(Rfc4493Key));
        byte[] data = Hex(Rfc4493Message)[..length];
        Assert.That(Convert.ToHexStringLower(Sign(M(CKM.CKM_AES_CMAC), key, data)), Is.EqualTo(expected), "single-part");
        Assert.That(Convert.ToHexStringLower(SignParts(M(CKM.CKM_AES_CMAC), key, data, 13)), Is.EqualTo(expected), "multi-part");
        Assert.DoesNotThrow(() => Verify(M(CKM.CKM_AES_CMAC), key, data, Hex(expected)));
        Assert.That(Convert.ToHexStringLower(Sign(General(CKM.CKM_AES_CMAC_GENERAL, 8), key, data)), Is.EqualTo(expected[..16]), "general, 8 bytes");
        Assert.DoesNotThrow(() => VerifyParts(General(CKM.CKM_AES_CMAC_GENERAL, 12), key, data, Hex(expected)[..12], 16));
    }

    [Test]
    public void AES_192_and_256_keys_sign_and_verify([Values(24, 32)] int keyLength)
    {
        ulong key = Key(CKK.CKK_AES, RandomNumberGenerator.GetBytes(keyLength));
        byte[] data = RandomNumberGenerator.GetBytes(77);
        byte[] mac = Sign(M(CKM.CKM_AES_CMAC), key, data);
        Assert.That(SignParts(M(CKM.CKM_AES_CMAC), key, data, 16), Is.EqualTo(mac));
        Assert.DoesNotThrow(() => Verify(M(CKM.CKM_AES_CMAC), key, data, mac));
        mac[0] ^= 1;
        Assert.That(Rv(() => Verify(M(CKM.CKM_AES_CMAC), key, data, mac)), Is.EqualTo(CKR.CKR_SIGNATURE_INVALID));
        Assert.That(Rv(() => Verify(M(CKM.CKM_AES_CMAC), key, data, mac[..15])), Is.EqualTo(CKR.CKR_SIGNATURE_LEN_RANGE));
    }

    [Test]
    public void Refusals()
    {
        ulong aes = Key(CKK.CKK_AES, RandomNumberGenerator.GetBytes(16));
        ulong generic = Generic(RandomNumberGenerator.GetBytes(16));
        Assert.That(Rv(() => Backend.SignInit(Session, M(CKM.CKM_AES_CMAC), generic)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT), "generic secret");
        Assert.That(Rv(() => Backend.SignInit(Session, General(CKM.CKM_AES_CMAC_GENERAL, 17), aes)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "17 bytes");
        Assert.That(Rv(() => Backend.SignInit(Session, General(CKM.CKM_AES_CMAC_GENERAL, 0), aes)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "0 bytes");
        Assert.That(Rv(() => Backend.SignInit(Session, M(CKM.CKM_AES_CMAC, new ByteArrayParameter([16])), aes)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "a parameter");
        var info = Backend.GetMechanismInfo(SlotId, CKM.CKM_AES_CMAC);
        Assert.That((info.MinKeySize, info.MaxKeySize, info.Flags), Is.EqualTo((16UL, 32UL, CKF.CKF_SIGN | CKF.CKF_VERIFY)));
    }
}
