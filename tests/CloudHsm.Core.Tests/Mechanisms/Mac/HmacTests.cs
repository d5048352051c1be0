using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Mac;

/// <summary>CKM_SHA*_HMAC and CKM_SHA*_HMAC_GENERAL: RFC 2202 / RFC 4231 known answers, multi-part, truncation,
/// and every refusal (key type, key size, parameter, signature length and value).</summary>
public class HmacTests : MacFixture
{
    private static readonly byte[] Key1 = Enumerable.Repeat((byte)0x0b, 20).ToArray();
    private static readonly byte[] Key3 = Enumerable.Repeat((byte)0xaa, 20).ToArray();
    private static readonly byte[] Data3 = Enumerable.Repeat((byte)0xdd, 50).ToArray();

    public static IEnumerable<TestCaseData> KnownAnswers()
    {
        // RFC 2202 §3 (HMAC-SHA-1), test cases 1-3.
        yield return Case("RFC 2202 TC1", CKM.CKM_SHA_1_HMAC, Key1, Ascii("Hi There"), "b617318655057264e28bc0b6fb378c8ef146be00");
        yield return Case("RFC 2202 TC2", CKM.CKM_SHA_1_HMAC, Ascii("Jefe"), Ascii("what do ya want for nothing?"), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
        yield return Case("RFC 2202 TC3", CKM.CKM_SHA_1_HMAC, Key3, Data3, "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
        // RFC 4231 §4.2, §4.3 (test cases 1 and 2) for SHA-224..512; §4.4 and §4.7 for SHA-256.
        yield return Case("RFC 4231 TC1", CKM.CKM_SHA224_HMAC, Key1, Ascii("Hi There"), "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22");
        yield return Case("RFC 4231 TC1", CKM.CKM_SHA256_HMAC, Key1, Ascii("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        yield return Case("RFC 4231 TC1", CKM.CKM_SHA384_HMAC, Key1, Ascii("Hi There"), "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6");
        yield return Case("RFC 4231 TC1", CKM.CKM_SHA512_HMAC, Key1, Ascii("Hi There"), "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
        yield return Case("RFC 4231 TC2", CKM.CKM_SHA224_HMAC, Ascii("Jefe"), Ascii("what do ya want for nothing?"), "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44");
        yield return Case("RFC 4231 TC2", CKM.CKM_SHA256_HMAC, Ascii("Jefe"), Ascii("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        yield return Case("RFC 4231 TC2", CKM.CKM_SHA384_HMAC, Ascii("Jefe"), Ascii("what do ya want for nothing?"), "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649");
        yield return Case("RFC 4231 TC2", CKM.CKM_SHA512_HMAC, Ascii("Jefe"), Ascii("what do ya want for nothing?"), "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
        yield return Case("RFC 4231 TC3", CKM.CKM_SHA256_HMAC, Key3, Data3, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
        yield return Case("RFC 4231 TC6", CKM.CKM_SHA256_HMAC, Enumerable.Repeat((byte)0xaa, 131).ToArray(),
            Ascii("Test Using Larger Than Block-Size Key - Hash Key First"), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    }

    private static TestCaseData Case(string name, CKM mechanism, byte[] key, byte[] data, string mac) =>
        new TestCaseData(mechanism, key, data, mac).SetArgDisplayNames(name, mechanism.ToString());

    [TestCaseSource(nameof(KnownAnswers))]
    public void Known_answer_signs_and_verifies(CKM mechanism, byte[] key, byte[] data, string expected)
    {
        ulong handle = Generic(key);
        Assert.That(Convert.ToHexStringLower(Sign(M(mechanism), handle, data)), Is.EqualTo(expected), "single-part");
        Assert.That(Convert.ToHexStringLower(SignParts(M(mechanism), handle, data, 7)), Is.EqualTo(expected), "multi-part");
        Assert.DoesNotThrow(() => Verify(M(mechanism), handle, data, Hex(expected)));
        Assert.DoesNotThrow(() => VerifyParts(M(mechanism), handle, data, Hex(expected), 5));
    }

    [Test]
    public void General_length_truncates_RFC_4231_TC5()
    {
        // RFC 4231 §4.6: the first 128 bits of HMAC-SHA-256.
        ulong handle = Generic(Enumerable.Repeat((byte)0x0c, 20).ToArray());
        var mechanism = General(CKM.CKM_SHA256_HMAC_GENERAL, 16);
        byte[] data = Ascii("Test With Truncation");
        Assert.That(Convert.ToHexStringLower(Sign(mechanism, handle, data)), Is.EqualTo("a3b6167473100ee06e0c796c2955552b"));
        Assert.That(Convert.ToHexStringLower(SignParts(mechanism, handle, data, 3)), Is.EqualTo("a3b6167473100ee06e0c796c2955552b"));
        Assert.DoesNotThrow(() => Verify(mechanism, handle, data, Hex("a3b6167473100ee06e0c796c2955552b")));
    }

    [TestCase(CKM.CKM_SHA_1_HMAC_GENERAL, 20)]
    [TestCase(CKM.CKM_SHA224_HMAC_GENERAL, 28)]
    [TestCase(CKM.CKM_SHA256_HMAC_GENERAL, 32)]
    [TestCase(CKM.CKM_SHA384_HMAC_GENERAL, 48)]
    [TestCase(CKM.CKM_SHA512_HMAC_GENERAL, 64)]
    public void General_length_accepts_1_to_the_hash_length_and_nothing_else(CKM mechanism, int hashLength)
    {
        ulong handle = Generic(RandomNumberGenerator.GetBytes(32));
        byte[] data = RandomNumberGenerator.GetBytes(100);
        byte[] full = Sign(General(mechanism, (ulong)hashLength), handle, data);
        Assert.That(full, Has.Length.EqualTo(hashLength));
        foreach (int n in new[] { 1, hashLength / 2, hashLength })
            Assert.That(Sign(General(mechanism, (ulong)n), handle, data), Is.EqualTo(full[..n]), $"{n} bytes");
        foreach (ulong bad in new ulong[] { 0, (ulong)hashLength + 1, ulong.MaxValue })
            Assert.That(Rv(() => Backend.SignInit(Session, General(mechanism, bad), handle)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), $"length {bad}");
        Assert.That(Rv(() => Backend.SignInit(Session, M(mechanism), handle)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "no parameter");
        Assert.That(Rv(() => Backend.VerifyInit(Session, M(mechanism, new ByteArrayParameter([1, 2])), handle)),
            Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "a parameter of another kind");
    }

    [Test]
    public void Fixed_length_HMAC_takes_no_parameter()
    {
        ulong handle = Generic(RandomNumberGenerator.GetBytes(32));
        Assert.That(Rv(() => Backend.SignInit(Session, General(CKM.CKM_SHA256_HMAC, 32), handle)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    [Test]
    public void Matches_dotnet_for_random_keys_and_data([Values(1, 20, 64, 65, 200, 512)] int keyLength)
    {
        byte[] key = RandomNumberGenerator.GetBytes(keyLength);
        byte[] data = RandomNumberGenerator.GetBytes(1000);
        ulong handle = Generic(key);
        Assert.That(Sign(M(CKM.CKM_SHA256_HMAC), handle, data), Is.EqualTo(HMACSHA256.HashData(key, data)));
        Assert.That(SignParts(M(CKM.CKM_SHA512_HMAC), handle, data, 333), Is.EqualTo(HMACSHA512.HashData(key, data)));
        Assert.That(Sign(M(CKM.CKM_SHA_1_HMAC), handle, []), Is.EqualTo(HMACSHA1.HashData(key, Array.Empty<byte>())), "empty message");
    }

    [TestCase(CKM.CKM_SHA_1_HMAC, CKK.CKK_SHA_1_HMAC)]
    [TestCase(CKM.CKM_SHA224_HMAC, CKK.CKK_SHA224_HMAC)]
    [TestCase(CKM.CKM_SHA256_HMAC, CKK.CKK_SHA256_HMAC)]
    [TestCase(CKM.CKM_SHA384_HMAC, CKK.CKK_SHA384_HMAC)]
    [TestCase(CKM.CKM_SHA512_HMAC_GENERAL, CKK.CKK_SHA512_HMAC)]
    public void Takes_its_own_HMAC_key_type_and_refuses_the_others(CKM mechanism, CKK own)
    {
        byte[] value = RandomNumberGenerator.GetBytes(32);
        var m = mechanism == CKM.CKM_SHA512_HMAC_GENERAL ? General(mechanism, 64) : M(mechanism);
        Assert.DoesNotThrow(() => Backend.SignInit(Session, m, Key(own, value)));
        Backend.CancelOperation(Session, OperationKind.Sign);
        CKK other = own == CKK.CKK_SHA256_HMAC ? CKK.CKK_SHA384_HMAC : CKK.CKK_SHA256_HMAC;
        Assert.That(Rv(() => Backend.SignInit(Session, m, Key(other, value))), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT), $"{other}");
        Assert.That(Rv(() => Backend.VerifyInit(Session, m, Key(CKK.CKK_AES, value))), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT), "AES");
    }

    [Test]
    public void A_key_over_512_bytes_is_CKR_KEY_SIZE_RANGE()
    {
        ulong handle = Generic(RandomNumberGenerator.GetBytes(513));
        Assert.That(Rv(() => Backend.SignInit(Session, M(CKM.CKM_SHA256_HMAC), handle)), Is.EqualTo(CKR.CKR_KEY_SIZE_RANGE));
    }

    [Test]
    public void A_key_without_CKA_SIGN_is_CKR_KEY_FUNCTION_NOT_PERMITTED()
    {
        ulong handle = Generic(RandomNumberGenerator.GetBytes(32), TemplateAttribute.Bool(CKA.CKA_SIGN, false));
        Assert.That(Rv(() => Backend.SignInit(Session, M(CKM.CKM_SHA256_HMAC), handle)), Is.EqualTo(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED));
    }

    [Test]
    public void Verify_refuses_a_wrong_length_and_a_wrong_MAC_and_ends_the_operation()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32), data = RandomNumberGenerator.GetBytes(50);
        ulong handle = Generic(key);
        byte[] mac = HMACSHA256.HashData(key, data);

        Assert.That(Rv(() => Verify(M(CKM.CKM_SHA256_HMAC), handle, data, mac[..31])), Is.EqualTo(CKR.CKR_SIGNATURE_LEN_RANGE), "short");
        Assert.That(Rv(() => Verify(M(CKM.CKM_SHA256_HMAC), handle, data, [.. mac, 0])), Is.EqualTo(CKR.CKR_SIGNATURE_LEN_RANGE), "long");
        byte[] bad = (byte[])mac.Clone();
        bad[7] ^= 0x40;
        Assert.That(Rv(() => Verify(M(CKM.CKM_SHA256_HMAC), handle, data, bad)), Is.EqualTo(CKR.CKR_SIGNATURE_INVALID), "flipped bit");
        Assert.That(Rv(() => VerifyParts(M(CKM.CKM_SHA256_HMAC), handle, data, bad, 9)), Is.EqualTo(CKR.CKR_SIGNATURE_INVALID), "multi-part");
        Assert.That(Rv(() => Backend.Verify(Session, data, mac)), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "the failed verify ended the operation");
        // General length: the truncated MAC, and only that length.
        Assert.DoesNotThrow(() => Verify(General(CKM.CKM_SHA256_HMAC_GENERAL, 10), handle, data, mac[..10]));
        Assert.That(Rv(() => Verify(General(CKM.CKM_SHA256_HMAC_GENERAL, 10), handle, data, mac)), Is.EqualTo(CKR.CKR_SIGNATURE_LEN_RANGE));
    }

    [Test]
    public void Sign_into_a_short_buffer_is_CKR_BUFFER_TOO_SMALL_and_keeps_the_operation()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32), data = RandomNumberGenerator.GetBytes(10);
        ulong handle = Generic(key);
        Backend.SignInit(Session, General(CKM.CKM_SHA384_HMAC_GENERAL, 20), handle);
        Assert.That(Rv(() => Backend.Sign(Session, data, new byte[19], sizeQuery: false)), Is.EqualTo(CKR.CKR_BUFFER_TOO_SMALL));
        var output = new byte[64];
        int n = Backend.Sign(Session, data, output, sizeQuery: false);
        Assert.That(output[..n], Is.EqualTo(HMACSHA384.HashData(key, data)[..20]));
    }

    [Test]
    public void Mechanism_info_is_declared_in_bytes_with_sign_and_verify()
    {
        foreach (var ckm in new[] { CKM.CKM_SHA_1_HMAC, CKM.CKM_SHA224_HMAC_GENERAL, CKM.CKM_SHA512_HMAC })
        {
            var info = Backend.GetMechanismInfo(SlotId, ckm);
            Assert.That((info.MinKeySize, info.MaxKeySize, info.Flags), Is.EqualTo((1UL, 512UL, CKF.CKF_SIGN | CKF.CKF_VERIFY)), $"{ckm}");
        }
        Assert.That(BuiltInMechanisms.Registry.List, Does.Contain(CKM.CKM_SHA224_HMAC_GENERAL));
    }
}
