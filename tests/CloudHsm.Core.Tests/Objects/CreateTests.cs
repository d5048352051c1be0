using CloudHsm.Core.Attributes;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Objects;

/// <summary>C_CreateObject (§4.1.1, §5.7): defaults, derived values and the error codes.</summary>
public class CreateTests
{
    private static readonly ObjectContext User = ObjectContext.User;

    private static HsmObject Create(Template template) => ObjectEngine.Create(template, User);

    private static byte[] Bool(bool value) => [value ? (byte)1 : (byte)0];

    private static byte[] ULong(ulong value) => AttributeValues.FromULong(value);

    // Defaults

    public static IEnumerable<TestCaseData> PrivateDefaults() =>
    [
        new TestCaseData(ObjectTypes.Data, false),
        new TestCaseData(ObjectTypes.X509, false),
        new TestCaseData(ObjectTypes.RsaPublic, false),
        new TestCaseData(ObjectTypes.EcPub, false),
        new TestCaseData(ObjectTypes.RsaPrivate, true),
        new TestCaseData(ObjectTypes.EcPriv, true),
        new TestCaseData(ObjectTypes.Aes, true),
        new TestCaseData(ObjectTypes.HmacSha256, true),
    ];

    [TestCaseSource(nameof(PrivateDefaults))]
    public void Storage_defaults_make_a_session_object_private_only_if_it_holds_a_private_or_secret_key(ObjectType type, bool isPrivate)
    {
        var obj = Create(type.Minimal);
        Assert.Multiple(() =>
        {
            Assert.That(obj.IsToken, Is.False);
            Assert.That(obj.IsPrivate, Is.EqualTo(isPrivate));
            Assert.That(obj.IsModifiable && obj.IsCopyable && obj.IsDestroyable, Is.True);
            Assert.That(obj.Attributes[CKA.CKA_LABEL], Is.Empty);
        });
    }

    [TestCase("AES")]
    [TestCase("RSA-PRIV")]
    public void Keys_from_outside_default_to_sensitive_extractable_and_usable_and_are_not_local(string name)
    {
        var obj = Create(name == "AES" ? ObjectTypes.Aes.Minimal : ObjectTypes.RsaPrivate.Minimal);
        CKA usage = name == "AES" ? CKA.CKA_ENCRYPT : CKA.CKA_SIGN;
        Assert.Multiple(() =>
        {
            Assert.That(obj.GetBool(CKA.CKA_SENSITIVE), Is.True);
            Assert.That(obj.GetBool(CKA.CKA_EXTRACTABLE), Is.True);
            Assert.That(obj.GetBool(usage), Is.True);
            Assert.That(obj.GetBool(CKA.CKA_DERIVE), Is.False);
            Assert.That(obj.GetBool(CKA.CKA_LOCAL), Is.False);
            Assert.That(obj.GetBool(CKA.CKA_ALWAYS_SENSITIVE), Is.False, "it was in the clear before it came here");
            Assert.That(obj.GetBool(CKA.CKA_NEVER_EXTRACTABLE), Is.False);
            Assert.That(obj.GetULong(CKA.CKA_KEY_GEN_MECHANISM), Is.EqualTo(ulong.MaxValue), "CK_UNAVAILABLE_INFORMATION");
            Assert.That(obj.Attributes[CKA.CKA_ALLOWED_MECHANISMS], Is.Empty);
        });
    }

    [Test]
    public void Certificate_defaults_follow_the_spec()
    {
        var cert = Create(ObjectTypes.X509.Minimal);
        Assert.Multiple(() =>
        {
            Assert.That(cert.GetBool(CKA.CKA_TRUSTED), Is.False);
            Assert.That(cert.GetULong(CKA.CKA_CERTIFICATE_CATEGORY), Is.Zero);
            Assert.That(cert.GetULong(CKA.CKA_NAME_HASH_ALGORITHM), Is.EqualTo((ulong)CKM.CKM_SHA_1));
            Assert.That(cert.Attributes[CKA.CKA_START_DATE], Is.Empty);
            Assert.That(cert.Attributes[CKA.CKA_ISSUER], Is.Empty);
        });
    }

    // Derived values

    [TestCase(16)]
    [TestCase(24)]
    [TestCase(32)]
    public void A_secret_key_gets_its_value_length(int length)
    {
        var key = Create(ObjectTypes.Aes.Minimal.With(T.Bytes(CKA.CKA_VALUE, T.Repeat(7, length))));
        Assert.That(key.GetULong(CKA.CKA_VALUE_LEN), Is.EqualTo((ulong)length));
    }

    [Test]
    public void Rsa_keys_get_the_modulus_bits_counted_from_the_first_set_bit()
    {
        byte[] modulus = [0x00, 0x01, .. T.Repeat(0xFF, 127)]; // leading zero byte, then 1 bit + 127 bytes
        var publicKey = Create(ObjectTypes.RsaPublic.Minimal.With(T.Bytes(CKA.CKA_MODULUS, modulus)));
        var privateKey = Create(ObjectTypes.RsaPrivate.Minimal);
        Assert.Multiple(() =>
        {
            Assert.That(publicKey.GetULong(CKA.CKA_MODULUS_BITS), Is.EqualTo(1 + 127 * 8));
            Assert.That(privateKey.GetULong(CKA.CKA_MODULUS_BITS), Is.EqualTo(2048));
        });
    }

    public static IEnumerable<TestCaseData> CheckValueVectors() =>
    [
        // AES-128 and AES-256 with all-zero keys (FIPS-197 style known answers), DES3 from OpenSSL,
        // SHA-1("abc") from FIPS 180.
        new TestCaseData(CKK.CKK_AES, new byte[16], "66E94B").SetName("AES-128 zero key"),
        new TestCaseData(CKK.CKK_AES, new byte[32], "DC95C0").SetName("AES-256 zero key"),
        new TestCaseData(CKK.CKK_DES3, ObjectTypes.Des3Key, "3FD539").SetName("DES3"),
        new TestCaseData(CKK.CKK_GENERIC_SECRET, "abc"u8.ToArray(), "A9993E").SetName("generic secret"),
        new TestCaseData(CKK.CKK_SHA512_HMAC, "abc"u8.ToArray(), "A9993E").SetName("HMAC key"),
    ];

    [TestCaseSource(nameof(CheckValueVectors))]
    public void A_secret_key_gets_its_check_value(CKK keyType, byte[] value, string kcv)
    {
        var key = Create(T.Of(T.Class(CKO.CKO_SECRET_KEY), T.KeyType(keyType), T.Bytes(CKA.CKA_VALUE, value)));
        Assert.That(key.Attributes[CKA.CKA_CHECK_VALUE], Is.EqualTo(T.Hex(kcv)));
    }

    [Test]
    public void A_given_check_value_must_match_and_an_empty_one_suppresses_it()
    {
        var zeroKey = ObjectTypes.Aes.Minimal.With(T.Bytes(CKA.CKA_VALUE, new byte[16]));
        Assert.Multiple(() =>
        {
            Assert.That(Create(zeroKey.With(T.Bytes(CKA.CKA_CHECK_VALUE, T.Hex("66E94B")))).Attributes[CKA.CKA_CHECK_VALUE],
                Is.EqualTo(T.Hex("66E94B")));
            Outcomes.Throws(CKR.CKR_ATTRIBUTE_VALUE_INVALID, () => Create(zeroKey.With(T.Bytes(CKA.CKA_CHECK_VALUE, T.Hex("66E94C")))));
            Assert.That(Create(zeroKey.With(T.Bytes(CKA.CKA_CHECK_VALUE))).Attributes[CKA.CKA_CHECK_VALUE], Is.Empty);
        });
    }

    [Test]
    public void A_certificate_gets_the_sha1_check_value_of_its_encoding()
    {
        var cert = Create(ObjectTypes.X509.Minimal.With(T.Bytes(CKA.CKA_VALUE, "abc"u8.ToArray())));
        Assert.That(cert.Attributes[CKA.CKA_CHECK_VALUE], Is.EqualTo(T.Hex("A9993E")));
    }

    [Test]
    public void The_unique_id_is_the_uid_as_text_and_differs_per_object()
    {
        var first = Create(ObjectTypes.Data.Minimal);
        var second = Create(ObjectTypes.Data.Minimal);
        Assert.Multiple(() =>
        {
            Assert.That(first.Attributes[CKA.CKA_UNIQUE_ID], Is.EqualTo(System.Text.Encoding.ASCII.GetBytes(first.Uid.ToString("D"))));
            Assert.That(first.UniqueId, Is.EqualTo(first.Uid.ToString("D")));
            Assert.That(second.Uid, Is.Not.EqualTo(first.Uid));
        });
    }

    // Errors

    [Test]
    public void Without_a_class_the_template_is_incomplete() =>
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCOMPLETE, () => Create(T.Of(T.Text(CKA.CKA_LABEL, "x"))));

    [TestCase(CKO.CKO_HW_FEATURE)]
    [TestCase(CKO.CKO_DOMAIN_PARAMETERS)]
    [TestCase(CKO.CKO_MECHANISM)]
    [TestCase(CKO.CKO_VENDOR_DEFINED)]
    public void An_unsupported_class_is_an_invalid_value(CKO objectClass) =>
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_VALUE_INVALID, () => Create(T.Of(T.Class(objectClass))));

    [Test]
    public void A_class_beyond_32_bits_is_an_invalid_value() =>
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_VALUE_INVALID, () => Create(T.Of(T.ULong(CKA.CKA_CLASS, 1UL << 32))));

    [TestCase(CKO.CKO_SECRET_KEY)]
    [TestCase(CKO.CKO_PRIVATE_KEY)]
    [TestCase(CKO.CKO_PUBLIC_KEY)]
    [TestCase(CKO.CKO_CERTIFICATE)]
    public void A_key_or_certificate_without_its_type_is_incomplete(CKO objectClass) =>
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCOMPLETE, () => Create(T.Of(T.Class(objectClass), T.Bytes(CKA.CKA_VALUE, 1))));

    [TestCase(CKK.CKK_DSA)]
    [TestCase(CKK.CKK_DES)]
    [TestCase(CKK.CKK_CHACHA20)]
    public void An_unsupported_key_type_is_an_invalid_value(CKK keyType) =>
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_VALUE_INVALID, () => Create(ObjectTypes.Aes.Minimal.With(T.KeyType(keyType))));

    [TestCase(CKC.CKC_WTLS)]
    [TestCase(CKC.CKC_X_509_ATTR_CERT)]
    public void An_unsupported_certificate_type_is_an_invalid_value(CKC certificateType) =>
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_VALUE_INVALID,
            () => Create(ObjectTypes.X509.Minimal.With(T.ULong(CKA.CKA_CERTIFICATE_TYPE, (ulong)certificateType))));

    [TestCase(15)]
    [TestCase(17)]
    [TestCase(33)]
    [TestCase(0)]
    public void An_aes_key_of_another_length_is_an_invalid_value(int length) =>
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_VALUE_INVALID,
            () => Create(ObjectTypes.Aes.Minimal.With(T.Bytes(CKA.CKA_VALUE, new byte[length]))));

    [TestCase(16)]
    [TestCase(8)]
    public void A_des3_key_is_24_bytes(int length) =>
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_VALUE_INVALID,
            () => Create(ObjectTypes.Des3.Minimal.With(T.Bytes(CKA.CKA_VALUE, T.Repeat(0x5A, length)))));

    [Test]
    public void A_des3_key_that_collapses_to_single_des_is_an_invalid_value() =>
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_VALUE_INVALID,
            () => Create(ObjectTypes.Des3.Minimal.With(T.Bytes(CKA.CKA_VALUE, [.. ObjectTypes.Des3Key[..8], .. ObjectTypes.Des3Key[..8], .. ObjectTypes.Des3Key[..8]]))));

    [Test]
    public void An_empty_generic_secret_is_an_invalid_value() =>
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_VALUE_INVALID, () => Create(ObjectTypes.Generic.Minimal.With(T.Bytes(CKA.CKA_VALUE))));

    public static IEnumerable<TestCaseData> MalformedValues() =>
    [
        new TestCaseData(CKA.CKA_TOKEN, new byte[] { 1, 0 }).SetName("CK_BBOOL of two bytes"),
        new TestCaseData(CKA.CKA_TOKEN, new byte[] { 2 }).SetName("CK_BBOOL of 2"),
        new TestCaseData(CKA.CKA_TOKEN, Array.Empty<byte>()).SetName("empty CK_BBOOL"),
        new TestCaseData(CKA.CKA_KEY_TYPE, new byte[4]).SetName("CK_ULONG of four bytes"),
        new TestCaseData(CKA.CKA_START_DATE, "2025011"u8.ToArray()).SetName("date of seven digits"),
        new TestCaseData(CKA.CKA_START_DATE, "2025-1-1"u8.ToArray()).SetName("date with dashes"),
        new TestCaseData(CKA.CKA_ALLOWED_MECHANISMS, new byte[12]).SetName("mechanism list of 12 bytes"),
        new TestCaseData(CKA.CKA_WRAP_TEMPLATE, new byte[] { 5, 0, 0, 0 }).SetName("nested template cut short"),
    ];

    [TestCaseSource(nameof(MalformedValues))]
    public void A_value_of_the_wrong_encoding_is_invalid(CKA type, byte[] value) =>
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_VALUE_INVALID, () => Create(ObjectTypes.Aes.Minimal.With(T.Bytes(type, value))));

    [Test]
    public void An_empty_date_is_valid()
    {
        var key = Create(ObjectTypes.Aes.Minimal.With(T.Bytes(CKA.CKA_END_DATE)));
        Assert.That(key.Attributes[CKA.CKA_END_DATE], Is.Empty);
    }

    [Test]
    public void An_empty_rsa_component_is_an_invalid_value() =>
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_VALUE_INVALID, () => Create(ObjectTypes.RsaPublic.Minimal.With(T.Bytes(CKA.CKA_PUBLIC_EXPONENT))));

    [Test]
    public void An_attribute_given_twice_alike_counts_once()
    {
        var key = Create(new Template([.. ObjectTypes.Aes.Minimal, T.Text(CKA.CKA_LABEL, "a"), T.Text(CKA.CKA_LABEL, "a")]));
        Assert.That(key.Attributes[CKA.CKA_LABEL], Is.EqualTo("a"u8.ToArray()));
    }

    [Test]
    public void An_attribute_given_twice_with_different_values_is_inconsistent() =>
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCONSISTENT,
            () => Create(new Template([.. ObjectTypes.Aes.Minimal, T.Text(CKA.CKA_LABEL, "a"), T.Text(CKA.CKA_LABEL, "b")])));

    [Test]
    public void The_unique_id_cannot_be_given() =>
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_READ_ONLY, () => Create(ObjectTypes.Data.Minimal.With(T.Text(CKA.CKA_UNIQUE_ID, "mine"))));

    [TestCase(CKA.CKA_VALUE_LEN)]
    [TestCase(CKA.CKA_LOCAL)]
    [TestCase(CKA.CKA_ALWAYS_SENSITIVE)]
    [TestCase(CKA.CKA_NEVER_EXTRACTABLE)]
    [TestCase(CKA.CKA_KEY_GEN_MECHANISM)]
    public void Token_assigned_key_attributes_cannot_be_given(CKA type) =>
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_READ_ONLY, () => Create(ObjectTypes.Aes.Minimal.With(T.Bytes(type, Samples.ForCreate(type)))));

    [Test]
    public void Only_the_so_creates_a_trusted_certificate()
    {
        var trusted = ObjectTypes.X509.Minimal.With(T.Bool(CKA.CKA_TRUSTED, true));
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_READ_ONLY, () => ObjectEngine.Create(trusted, ObjectContext.User));
        Assert.That(ObjectEngine.Create(trusted, ObjectContext.SecurityOfficer).GetBool(CKA.CKA_TRUSTED), Is.True);
    }

    [Test]
    public void Anyone_may_say_a_certificate_is_not_trusted() =>
        Assert.That(Create(ObjectTypes.X509.Minimal.With(T.Bool(CKA.CKA_TRUSTED, false))).GetBool(CKA.CKA_TRUSTED), Is.False);

    [Test]
    public void Always_authenticate_needs_a_private_key_object()
    {
        var template = ObjectTypes.RsaPrivate.Minimal.With(T.Bool(CKA.CKA_ALWAYS_AUTHENTICATE, true));
        Assert.That(Create(template).GetBool(CKA.CKA_ALWAYS_AUTHENTICATE), Is.True);
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCONSISTENT, () => Create(template.With(T.Bool(CKA.CKA_PRIVATE, false))));
    }

    [Test]
    public void A_certificate_needs_its_encoding_or_a_url()
    {
        var byUrl = ObjectTypes.X509.Minimal.With(T.Bytes(CKA.CKA_VALUE), T.Text(CKA.CKA_URL, "https://ca.example/cert"));
        var cert = Create(byUrl);
        Assert.That(cert.Has(CKA.CKA_CHECK_VALUE), Is.False, "no encoding, nothing to fingerprint");
        Assert.That(ObjectEngine.Read(cert, CKA.CKA_CHECK_VALUE).Value, Is.Empty);
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCONSISTENT, () => Create(ObjectTypes.X509.Minimal.With(T.Bytes(CKA.CKA_VALUE))));
    }

    [Test]
    public void The_object_owns_its_values_apart_from_the_callers_template()
    {
        byte[] label = "mine"u8.ToArray();
        var key = Create(ObjectTypes.Aes.Minimal.With(T.Bytes(CKA.CKA_LABEL, label)));
        label[0] = (byte)'X';
        Assert.That(key.Attributes[CKA.CKA_LABEL], Is.EqualTo("mine"u8.ToArray()));
    }

    [Test]
    public void Every_hmac_key_type_is_a_generic_secret_with_a_length()
    {
        foreach (var keyType in new[] { CKK.CKK_SHA_1_HMAC, CKK.CKK_SHA224_HMAC, CKK.CKK_SHA256_HMAC, CKK.CKK_SHA384_HMAC, CKK.CKK_SHA512_HMAC })
        {
            var key = Create(ObjectTypes.Secret(keyType, keyType.ToString(), T.Repeat(1, 48)).Minimal);
            Assert.That(key.GetULong(CKA.CKA_VALUE_LEN), Is.EqualTo(48), keyType.ToString());
        }
    }
}
