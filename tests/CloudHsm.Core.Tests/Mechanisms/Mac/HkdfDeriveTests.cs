using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Mechanisms.Mac.Kdf;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Mac;

/// <summary>CKM_HKDF_DERIVE: RFC 5869 Appendix A, .NET's own HKDF as an independent check, and the refusals.</summary>
public class HkdfDeriveTests : MacFixture
{
    private static readonly byte[] Salt13 = Enumerable.Range(0, 13).Select(i => (byte)i).ToArray();
    private static readonly byte[] Info10 = Enumerable.Range(0xf0, 10).Select(i => (byte)i).ToArray();

    private static Mechanism Hkdf(CKM hash, bool extract, bool expand, ulong saltType, byte[]? salt = null, byte[]? info = null) =>
        new(CKM.CKM_HKDF_DERIVE, new HkdfParameter(extract, expand, (ulong)hash, saltType, salt ?? [], 0, info ?? []));

    public static IEnumerable<TestCaseData> Rfc5869()
    {
        yield return new TestCaseData(CKM.CKM_SHA256, Enumerable.Repeat((byte)0x0b, 22).ToArray(), Salt13, Info10,
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865").SetArgDisplayNames("A.1");
        yield return new TestCaseData(CKM.CKM_SHA256, Enumerable.Repeat((byte)0x0b, 22).ToArray(), Array.Empty<byte>(), Array.Empty<byte>(),
            "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8").SetArgDisplayNames("A.3");
        yield return new TestCaseData(CKM.CKM_SHA_1, Enumerable.Repeat((byte)0x0b, 11).ToArray(), Salt13, Info10,
            "9b6c18c432a7bf8f0e71c8eb88f4b30baa2ba243",
            "085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896").SetArgDisplayNames("A.4");
        yield return new TestCaseData(CKM.CKM_SHA_1, Enumerable.Repeat((byte)0x0c, 22).ToArray(), Array.Empty<byte>(), Array.Empty<byte>(),
            "2adccada18779e7c2077ad2eb19d3f3e731385dd",
            "2c91117204d745f3500d636a62f64f0ab3bae548aa53d423b0d1f27ebba6f5e5673a081d70cce7acfc48").SetArgDisplayNames("A.7");
    }

    [TestCaseSource(nameof(Rfc5869))]
    public void RFC_5869_extract_expand_and_each_alone(CKM hash, byte[] ikm, byte[] salt, byte[] info, string prk, string okm)
    {
        ulong baseKey = Generic(ikm);
        ulong saltType = salt.Length == 0 ? HkdfSaltType.Null : HkdfSaltType.Data;
        ulong both = Backend.DeriveKey(Session, Hkdf(hash, true, true, saltType, salt, info), baseKey, Derived(length: 42)).Key;
        Assert.That(Convert.ToHexStringLower(Read(both, CKA.CKA_VALUE)), Is.EqualTo(okm), "extract + expand");

        ulong extracted = Backend.DeriveKey(Session, Hkdf(hash, true, false, saltType, salt, info), baseKey,
            Derived(extra: TemplateAttribute.Bool(CKA.CKA_DERIVE, true))).Key;
        Assert.That(Convert.ToHexStringLower(Read(extracted, CKA.CKA_VALUE)), Is.EqualTo(prk), "extract alone (PRK)");

        ulong expanded = Backend.DeriveKey(Session, Hkdf(hash, false, true, HkdfSaltType.Null, info: info), extracted, Derived(length: 42)).Key;
        Assert.That(Convert.ToHexStringLower(Read(expanded, CKA.CKA_VALUE)), Is.EqualTo(okm), "expand alone, from the PRK");
    }

    [TestCase(CKM.CKM_SHA_1)]
    [TestCase(CKM.CKM_SHA256)]
    [TestCase(CKM.CKM_SHA384)]
    [TestCase(CKM.CKM_SHA512)]
    public void Matches_dotnet_HKDF(CKM hash)
    {
        var name = hash switch
        {
            CKM.CKM_SHA_1 => HashAlgorithmName.SHA1, CKM.CKM_SHA256 => HashAlgorithmName.SHA256,
            CKM.CKM_SHA384 => HashAlgorithmName.SHA384, _ => HashAlgorithmName.SHA512,
        };
        byte[] ikm = RandomNumberGenerator.GetBytes(37), salt = RandomNumberGenerator.GetBytes(19), info = RandomNumberGenerator.GetBytes(23);
        foreach (int length in new[] { 1, 16, 100, 255 * HashLength(hash) })
        {
            ulong key = Backend.DeriveKey(Session, Hkdf(hash, true, true, HkdfSaltType.Data, salt, info), Generic(ikm), Derived(length: (ulong)length)).Key;
            Assert.That(Read(key, CKA.CKA_VALUE), Is.EqualTo(HKDF.DeriveKey(name, ikm, length, salt, info)), $"{length} bytes");
        }
    }

    private static int HashLength(CKM hash) => hash switch
    {
        CKM.CKM_SHA_1 => 20, CKM.CKM_SHA224 => 28, CKM.CKM_SHA256 => 32, CKM.CKM_SHA384 => 48, _ => 64,
    };

    [Test]
    public void SHA_224_matches_BouncyCastle()
    {
        byte[] ikm = RandomNumberGenerator.GetBytes(30), salt = RandomNumberGenerator.GetBytes(10), info = RandomNumberGenerator.GetBytes(5);
        var generator = new Org.BouncyCastle.Crypto.Generators.HkdfBytesGenerator(new Org.BouncyCastle.Crypto.Digests.Sha224Digest());
        generator.Init(new Org.BouncyCastle.Crypto.Parameters.HkdfParameters(ikm, salt, info));
        var expected = new byte[70];
        generator.GenerateBytes(expected, 0, expected.Length);
        ulong key = Backend.DeriveKey(Session, Hkdf(CKM.CKM_SHA224, true, true, HkdfSaltType.Data, salt, info), Generic(ikm), Derived(length: 70)).Key;
        Assert.That(Read(key, CKA.CKA_VALUE), Is.EqualTo(expected));
    }

    [Test]
    public void The_derived_key_may_be_AES()
    {
        // CKK_HKDF base keys are accepted too, but this token has no object table for that key type yet.
        ulong baseKey = Generic(RandomNumberGenerator.GetBytes(32));
        ulong aes = Backend.DeriveKey(Session, Hkdf(CKM.CKM_SHA256, true, true, HkdfSaltType.Null), baseKey, Derived(CKK.CKK_AES, 32)).Key;
        Assert.That(Read(aes, CKA.CKA_VALUE), Has.Length.EqualTo(32));
        Assert.That(ReadULong(aes, CKA.CKA_KEY_TYPE), Is.EqualTo((ulong)CKK.CKK_AES));
        Assert.That(ReadBool(aes, CKA.CKA_LOCAL), Is.False);
        Assert.That(Rv(() => Backend.DeriveKey(Session, Hkdf(CKM.CKM_SHA256, true, true, HkdfSaltType.Null), baseKey, Derived(CKK.CKK_AES, 20))),
            Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID), "AES of 20 bytes");
    }

    [Test]
    public void Sensitivity_defaults_come_from_the_base_key()
    {
        ulong baseKey = Generic(RandomNumberGenerator.GetBytes(32), TemplateAttribute.Bool(CKA.CKA_SENSITIVE, true));
        ulong derived = Backend.DeriveKey(Session, Hkdf(CKM.CKM_SHA256, true, true, HkdfSaltType.Null), baseKey,
            new Template([TemplateAttribute.ULong(CKA.CKA_VALUE_LEN, 16)])).Key;
        Assert.That(ReadBool(derived, CKA.CKA_SENSITIVE), Is.True);
        Assert.That(Backend.GetAttributeValue(Session, derived, [CKA.CKA_VALUE])[0].Status, Is.EqualTo(AttributeReadStatus.Sensitive));
    }

    public static IEnumerable<TestCaseData> BadParameters()
    {
        yield return new TestCaseData(null).SetArgDisplayNames("no parameter");
        yield return new TestCaseData(new ByteArrayParameter([1])).SetArgDisplayNames("a byte array");
        yield return new TestCaseData(Param(false, false, CKM.CKM_SHA256, HkdfSaltType.Null)).SetArgDisplayNames("neither extract nor expand");
        yield return new TestCaseData(Param(true, true, CKM.CKM_SHA256_HMAC, HkdfSaltType.Null)).SetArgDisplayNames("an HMAC, not a hash");
        yield return new TestCaseData(Param(true, true, CKM.CKM_MD5, HkdfSaltType.Null)).SetArgDisplayNames("MD5");
        yield return new TestCaseData(Param(true, true, CKM.CKM_SHA256, 0)).SetArgDisplayNames("salt type 0");
        yield return new TestCaseData(Param(true, true, CKM.CKM_SHA256, 3)).SetArgDisplayNames("salt types NULL|DATA");
    }

    private static HkdfParameter Param(bool extract, bool expand, CKM hash, ulong saltType) => new(extract, expand, (ulong)hash, saltType, [], 0, []);

    [TestCaseSource(nameof(BadParameters))]
    public void Bad_parameter_is_CKR_MECHANISM_PARAM_INVALID(MechanismParameter? parameter)
    {
        ulong baseKey = Generic(RandomNumberGenerator.GetBytes(32));
        Assert.That(Rv(() => Backend.DeriveKey(Session, new Mechanism(CKM.CKM_HKDF_DERIVE, parameter), baseKey, Derived(length: 16))),
            Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    [Test]
    public void Salt_is_ignored_without_extraction()
    {
        ulong prk = Generic(RandomNumberGenerator.GetBytes(32));
        var withOddSalt = new Mechanism(CKM.CKM_HKDF_DERIVE, new HkdfParameter(false, true, (ulong)CKM.CKM_SHA256, 0, [1], 0, []));
        Assert.DoesNotThrow(() => Backend.DeriveKey(Session, withOddSalt, prk, Derived(length: 16)));
    }

    [Test]
    public void Lengths_and_keys_out_of_range()
    {
        ulong ikm = Generic(RandomNumberGenerator.GetBytes(32));
        var both = Hkdf(CKM.CKM_SHA256, true, true, HkdfSaltType.Null);
        Assert.That(Read(Backend.DeriveKey(Session, both, ikm, Derived(length: 8160)).Key, CKA.CKA_VALUE), Has.Length.EqualTo(8160), "255 × 32");
        Assert.That(Rv(() => Backend.DeriveKey(Session, both, ikm, Derived(length: 8161))), Is.EqualTo(CKR.CKR_KEY_SIZE_RANGE), "8161 bytes");
        Assert.That(Rv(() => Backend.DeriveKey(Session, both, ikm, Derived())), Is.EqualTo(CKR.CKR_TEMPLATE_INCOMPLETE), "expand without CKA_VALUE_LEN");
        var extract = Hkdf(CKM.CKM_SHA256, true, false, HkdfSaltType.Null);
        Assert.That(Read(Backend.DeriveKey(Session, extract, ikm, Derived(length: 32)).Key, CKA.CKA_VALUE), Has.Length.EqualTo(32), "the hash length, stated");
        Assert.That(Rv(() => Backend.DeriveKey(Session, extract, ikm, Derived(length: 16))), Is.EqualTo(CKR.CKR_TEMPLATE_INCONSISTENT), "extract alone, 16 bytes");
        var expand = Hkdf(CKM.CKM_SHA512, false, true, HkdfSaltType.Null);
        Assert.That(Rv(() => Backend.DeriveKey(Session, expand, ikm, Derived(length: 16))), Is.EqualTo(CKR.CKR_KEY_SIZE_RANGE), "a PRK shorter than SHA-512");
        ulong aes = Key(CKK.CKK_AES, RandomNumberGenerator.GetBytes(32));
        Assert.That(Rv(() => Backend.DeriveKey(Session, both, aes, Derived(length: 16))), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT), "an AES base key");
        var info = Backend.GetMechanismInfo(SlotId, CKM.CKM_HKDF_DERIVE);
        Assert.That((info.MinKeySize, info.MaxKeySize, info.Flags), Is.EqualTo((1UL, 512UL, CKF.CKF_DERIVE)));
    }
}
