using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Rsa;

public sealed class RsaKeyTests : RsaFixture
{
    private static readonly Mechanism KeyGen = new(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN);

    private static Template PublicGen(ulong bits, byte[]? exponent = null) => new(
    [
        TemplateAttribute.Bool(CKA.CKA_VERIFY, true),
        TemplateAttribute.Bool(CKA.CKA_ENCRYPT, true),
        TemplateAttribute.ULong(CKA.CKA_MODULUS_BITS, bits),
        .. exponent is null ? Array.Empty<TemplateAttribute>() : [new TemplateAttribute(CKA.CKA_PUBLIC_EXPONENT, exponent)],
    ]);

    private static readonly Template PrivateGen = new(
    [
        TemplateAttribute.Bool(CKA.CKA_PRIVATE, true),
        TemplateAttribute.Bool(CKA.CKA_SIGN, true),
        TemplateAttribute.Bool(CKA.CKA_DECRYPT, true),
        TemplateAttribute.Bool(CKA.CKA_SENSITIVE, true),
    ]);

    private void SignAndVerify(ulong priv, ulong pub)
    {
        byte[] data = [1, 2, 3];
        byte[] signature = Sign(Mech(CKM.CKM_SHA256_RSA_PKCS), data, priv);
        Verify(Mech(CKM.CKM_SHA256_RSA_PKCS), data, signature, pub);
        using var rsa = RSA.Create(new RSAParameters { Modulus = Attribute(pub, CKA.CKA_MODULUS), Exponent = Attribute(pub, CKA.CKA_PUBLIC_EXPONENT) });
        Assert.That(rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), Is.True, ".NET verifies with the exported public key");
    }

    [Test]
    public void Generates_a_2048_bit_pair_with_the_default_exponent()
    {
        var (pub, priv) = Backend.GenerateKeyPair(Session, KeyGen, PublicGen(2048), PrivateGen);
        Assert.That(Attribute(pub, CKA.CKA_MODULUS), Has.Length.EqualTo(256));
        Assert.That(Attribute(pub, CKA.CKA_PUBLIC_EXPONENT), Is.EqualTo(new byte[] { 1, 0, 1 }));
        Assert.That(AttributeValues.ToULong(CKA.CKA_MODULUS_BITS, Attribute(pub, CKA.CKA_MODULUS_BITS)), Is.EqualTo(2048));
        Assert.That(AttributeValues.ToULong(CKA.CKA_MODULUS_BITS, Attribute(priv, CKA.CKA_MODULUS_BITS)), Is.EqualTo(2048));
        foreach (ulong h in new[] { pub, priv })
        {
            Assert.That(Attribute(h, CKA.CKA_LOCAL), Is.EqualTo(new byte[] { 1 }));
            Assert.That(AttributeValues.ToULong(CKA.CKA_KEY_GEN_MECHANISM, Attribute(h, CKA.CKA_KEY_GEN_MECHANISM)), Is.EqualTo((ulong)CKM.CKM_RSA_PKCS_KEY_PAIR_GEN));
        }
        Assert.That(Backend.GetAttributeValue(Session, priv, [CKA.CKA_PRIME_1])[0].Status, Is.EqualTo(AttributeReadStatus.Sensitive));
        SignAndVerify(priv, pub);
    }

    [Test]
    public void Generates_with_another_odd_exponent_and_an_odd_bit_count()
    {
        var (pub, priv) = Backend.GenerateKeyPair(Session, KeyGen, PublicGen(2050, [0x00, 0x01, 0x00, 0x03]), PrivateGen);
        Assert.That(Attribute(pub, CKA.CKA_PUBLIC_EXPONENT), Is.EqualTo(new byte[] { 0x00, 0x01, 0x00, 0x03 }), "the template's value");
        Assert.That(AttributeValues.ToULong(CKA.CKA_MODULUS_BITS, Attribute(priv, CKA.CKA_MODULUS_BITS)), Is.EqualTo(2050));
        SignAndVerify(priv, pub);
        Backend.EncryptInit(Session, Mech(CKM.CKM_RSA_PKCS_OAEP, Oaep(CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256)), pub);
        var ct = new byte[257];
        Backend.Encrypt(Session, [9, 9], ct, false);
        Assert.That(Decrypt(Mech(CKM.CKM_RSA_PKCS_OAEP, Oaep(CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256)), ct, priv), Is.EqualTo(new byte[] { 9, 9 }));
    }

    public static IEnumerable<TestCaseData> BadTemplates =>
    [
        new TestCaseData(PublicGen(1024), CKR.CKR_ATTRIBUTE_VALUE_INVALID).SetArgDisplayNames("1024 bits"),
        new TestCaseData(PublicGen(8200), CKR.CKR_ATTRIBUTE_VALUE_INVALID).SetArgDisplayNames("8200 bits"),
        new TestCaseData(new Template([TemplateAttribute.Bool(CKA.CKA_VERIFY, true)]), CKR.CKR_TEMPLATE_INCOMPLETE).SetArgDisplayNames("no CKA_MODULUS_BITS"),
        new TestCaseData(PublicGen(2048, [3]), CKR.CKR_TEMPLATE_INCONSISTENT).SetArgDisplayNames("e = 3"),
        new TestCaseData(PublicGen(2048, [0x01, 0x00, 0x00]), CKR.CKR_ATTRIBUTE_VALUE_INVALID).SetArgDisplayNames("even e"),
        new TestCaseData(PublicGen(2048, [1]), CKR.CKR_ATTRIBUTE_VALUE_INVALID).SetArgDisplayNames("e = 1"),
        new TestCaseData(PublicGen(2048, [0, 0]), CKR.CKR_ATTRIBUTE_VALUE_INVALID).SetArgDisplayNames("e = 0"),
        new TestCaseData(PublicGen(2048, [1, .. new byte[32], 1]), CKR.CKR_TEMPLATE_INCONSISTENT).SetArgDisplayNames("e above 2^256"),
    ];

    [TestCaseSource(nameof(BadTemplates))]
    public void Bad_generation_templates(Template publicTemplate, CKR expected)
    {
        Assert.That(Rv(() => Backend.GenerateKeyPair(Session, KeyGen, publicTemplate, PrivateGen)), Is.EqualTo(expected));
    }

    [Test]
    public void Generation_takes_no_parameter()
    {
        Assert.That(Rv(() => Backend.GenerateKeyPair(Session, new Mechanism(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, new ByteArrayParameter([1])), PublicGen(2048), PrivateGen)),
            Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    [Test]
    public void Imported_keys_outside_2048_to_16384_bits_are_CKR_KEY_SIZE_RANGE()
    {
        var small = CreateKey(1024);
        ulong priv = Backend.CreateObject(Session, PrivateTemplate(small));
        ulong pub = Backend.CreateObject(Session, PublicTemplate(small));
        Assert.That(Rv(() => Backend.SignInit(Session, Mech(CKM.CKM_SHA256_RSA_PKCS), priv)), Is.EqualTo(CKR.CKR_KEY_SIZE_RANGE));
        Assert.That(Rv(() => Backend.VerifyInit(Session, Mech(CKM.CKM_SHA256_RSA_PKCS), pub)), Is.EqualTo(CKR.CKR_KEY_SIZE_RANGE), "no legacy verify either");
        Assert.That(Attribute(pub, CKA.CKA_LOCAL), Is.EqualTo(new byte[] { 0 }), "imported keys are not local");
    }

    [Test]
    public void Imported_components_dotnet_cannot_use_are_CKR_KEY_TYPE_INCONSISTENT()
    {
        ulong badPrime = Backend.CreateObject(Session, PrivateTemplate(Key, new TemplateAttribute(CKA.CKA_PRIME_1, [.. Key.P!, .. Key.P!])));
        Assert.That(Rv(() => Backend.SignInit(Session, Mech(CKM.CKM_SHA256_RSA_PKCS), badPrime)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
        ulong zeroExponent = Backend.CreateObject(Session, PublicTemplate(Key, new TemplateAttribute(CKA.CKA_PUBLIC_EXPONENT, [0])));
        Assert.That(Rv(() => Backend.VerifyInit(Session, Mech(CKM.CKM_SHA256_RSA_PKCS), zeroExponent)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
    }

    /// <summary>OpenSSL imports these public keys, BouncyCastle's key parameters refuse them with an
    /// ArgumentException, which reached the boundary as CKR_GENERAL_ERROR (found by tests/CloudHsm.Fuzz,
    /// regressions/key-import/rsa-public-modulus-small-factor.bin).</summary>
    public static IEnumerable<TestCaseData> ModuliBouncyCastleRefuses()
    {
        var n = new System.Numerics.BigInteger(Key.Modulus, isUnsigned: true, isBigEndian: true);
        yield return new TestCaseData(Modulus(n - n % 6 + 3)).SetArgDisplayNames("odd modulus divisible by 3");
        yield return new TestCaseData(Modulus(n - 1)).SetArgDisplayNames("even modulus");

        static byte[] Modulus(System.Numerics.BigInteger value) => value.ToByteArray(isUnsigned: true, isBigEndian: true);
    }

    [TestCaseSource(nameof(ModuliBouncyCastleRefuses))]
    public void Imported_public_keys_BouncyCastle_refuses_are_CKR_KEY_TYPE_INCONSISTENT(byte[] modulus)
    {
        ulong pub = Backend.CreateObject(Session, PublicTemplate(Key, new TemplateAttribute(CKA.CKA_MODULUS, modulus)));
        Assert.That(Rv(() => Backend.VerifyInit(Session, Mech(CKM.CKM_SHA256_RSA_PKCS), pub)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
        Assert.That(Rv(() => Backend.EncryptInit(Session, Mech(CKM.CKM_RSA_PKCS), pub)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT), "the refusal is kept");
    }

    [Test]
    public void An_imported_private_key_with_an_even_exponent_is_CKR_KEY_TYPE_INCONSISTENT()
    {
        ulong priv = Backend.CreateObject(Session, PrivateTemplate(Key, new TemplateAttribute(CKA.CKA_PUBLIC_EXPONENT, [1, 0, 0])));
        Assert.That(Rv(() => Backend.SignInit(Session, Mech(CKM.CKM_SHA256_RSA_PKCS), priv)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
    }

    [Test]
    public void Imported_components_with_leading_zeros_work()
    {
        ulong priv = Backend.CreateObject(Session, PrivateTemplate(Key, new TemplateAttribute(CKA.CKA_PRIVATE_EXPONENT, [0, 0, .. Key.D!])));
        ulong pub = Backend.CreateObject(Session, PublicTemplate(Key, new TemplateAttribute(CKA.CKA_MODULUS, [0, .. Key.Modulus!])));
        byte[] signature = Sign(Mech(CKM.CKM_SHA256_RSA_PKCS), [1], priv);
        Verify(Mech(CKM.CKM_SHA256_RSA_PKCS), [1], signature, pub);
    }

    public static IEnumerable<TestCaseData> Infos =>
    [
        new TestCaseData(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, 2048UL, 8192UL, CKF.CKF_GENERATE_KEY_PAIR),
        new TestCaseData(CKM.CKM_RSA_PKCS, 2048UL, 16384UL, CKF.CKF_SIGN | CKF.CKF_VERIFY | CKF.CKF_SIGN_RECOVER | CKF.CKF_VERIFY_RECOVER
            | CKF.CKF_ENCRYPT | CKF.CKF_DECRYPT | CKF.CKF_WRAP | CKF.CKF_UNWRAP),
        new TestCaseData(CKM.CKM_RSA_X_509, 2048UL, 16384UL, CKF.CKF_SIGN | CKF.CKF_VERIFY | CKF.CKF_SIGN_RECOVER | CKF.CKF_VERIFY_RECOVER
            | CKF.CKF_ENCRYPT | CKF.CKF_DECRYPT),
        new TestCaseData(CKM.CKM_SHA224_RSA_PKCS, 2048UL, 16384UL, CKF.CKF_SIGN | CKF.CKF_VERIFY),
        new TestCaseData(CKM.CKM_RSA_PKCS_PSS, 2048UL, 16384UL, CKF.CKF_SIGN | CKF.CKF_VERIFY),
        new TestCaseData(CKM.CKM_SHA512_RSA_PKCS_PSS, 2048UL, 16384UL, CKF.CKF_SIGN | CKF.CKF_VERIFY),
        new TestCaseData(CKM.CKM_RSA_PKCS_OAEP, 2048UL, 16384UL, CKF.CKF_ENCRYPT | CKF.CKF_DECRYPT | CKF.CKF_WRAP | CKF.CKF_UNWRAP),
        new TestCaseData(CKM.CKM_RSA_AES_KEY_WRAP, 2048UL, 16384UL, CKF.CKF_WRAP | CKF.CKF_UNWRAP),
    ];

    [TestCaseSource(nameof(Infos))]
    public void Mechanism_info_is_declared(CKM mechanism, ulong min, ulong max, ulong flags)
    {
        Assert.That(Backend.GetMechanismList(SlotId), Does.Contain(mechanism));
        Assert.That(Backend.GetMechanismInfo(SlotId, mechanism), Is.EqualTo(new MechanismInfo(min, max, flags)));
    }
}
