using CloudHsm.Core.Attributes;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Objects;

/// <summary>Keys made on the token (C_GenerateKey, C_GenerateKeyPair) and brought in wrapped (C_UnwrapKey).</summary>
public class GenerateUnwrapTests
{
    private static readonly ObjectContext User = ObjectContext.User;

    private static Dictionary<CKA, byte[]> AesValue(int length = 32) => new() { [CKA.CKA_VALUE] = T.Repeat(0x42, length) };

    private static HsmObject GenerateAes(Template template, int length = 32) =>
        ObjectEngine.Generate(CKO.CKO_SECRET_KEY, CKK.CKK_AES, template, AesValue(length), CKM.CKM_AES_KEY_GEN, User);

    private static readonly Template Aes256 = T.Of(T.ULong(CKA.CKA_VALUE_LEN, 32));

    [Test]
    public void A_generated_key_is_local_and_remembers_its_mechanism()
    {
        var key = GenerateAes(Aes256);
        Assert.Multiple(() =>
        {
            Assert.That(key.Class, Is.EqualTo(CKO.CKO_SECRET_KEY));
            Assert.That(key.KeyType, Is.EqualTo(CKK.CKK_AES));
            Assert.That(key.GetBool(CKA.CKA_LOCAL), Is.True);
            Assert.That(key.GetULong(CKA.CKA_KEY_GEN_MECHANISM), Is.EqualTo((ulong)CKM.CKM_AES_KEY_GEN));
            Assert.That(key.Attributes[CKA.CKA_VALUE], Is.EqualTo(T.Repeat(0x42, 32)));
            Assert.That(key.Has(CKA.CKA_CHECK_VALUE), Is.True);
        });
    }

    [TestCase(true, true, true, false)]
    [TestCase(true, false, true, true)]
    [TestCase(false, true, false, false)]
    [TestCase(false, false, false, true)]
    public void A_generated_keys_history_starts_with_its_flags(bool sensitive, bool extractable, bool alwaysSensitive, bool neverExtractable)
    {
        var key = GenerateAes(Aes256.With(T.Bool(CKA.CKA_SENSITIVE, sensitive), T.Bool(CKA.CKA_EXTRACTABLE, extractable)));
        Assert.Multiple(() =>
        {
            Assert.That(key.GetBool(CKA.CKA_ALWAYS_SENSITIVE), Is.EqualTo(alwaysSensitive));
            Assert.That(key.GetBool(CKA.CKA_NEVER_EXTRACTABLE), Is.EqualTo(neverExtractable));
        });
    }

    [Test]
    public void Generating_a_secret_key_needs_its_length() =>
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCOMPLETE, () => GenerateAes(T.Of(T.Text(CKA.CKA_LABEL, "k"))));

    [Test]
    public void The_key_value_cannot_be_given_to_generate() =>
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_READ_ONLY, () => GenerateAes(Aes256.With(T.Bytes(CKA.CKA_VALUE, new byte[32]))));

    [Test]
    public void A_length_that_disagrees_with_the_generated_key_is_inconsistent() =>
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCONSISTENT, () => GenerateAes(T.Of(T.ULong(CKA.CKA_VALUE_LEN, 16))));

    [Test]
    public void A_class_or_key_type_in_the_template_must_agree()
    {
        Assert.That(GenerateAes(Aes256.With(T.Class(CKO.CKO_SECRET_KEY), T.KeyType(CKK.CKK_AES))).KeyType, Is.EqualTo(CKK.CKK_AES));
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCONSISTENT, () => GenerateAes(Aes256.With(T.KeyType(CKK.CKK_GENERIC_SECRET))));
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCONSISTENT, () => GenerateAes(Aes256.With(T.Class(CKO.CKO_DATA))));
    }

    [Test]
    public void Data_objects_are_not_generated() =>
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCONSISTENT, () => ObjectEngine.Generate(
            CKO.CKO_DATA, CKK.CKK_AES, Template.Empty, new Dictionary<CKA, byte[]>(), CKM.CKM_AES_KEY_GEN, User));

    [Test]
    public void A_generated_rsa_key_pair_gets_each_half_its_material()
    {
        var publicMaterial = new Dictionary<CKA, byte[]>
        {
            [CKA.CKA_MODULUS] = ObjectTypes.Modulus2048,
            [CKA.CKA_PUBLIC_EXPONENT] = [1, 0, 1],
        };
        var privateMaterial = new Dictionary<CKA, byte[]>(
            ObjectTypes.RsaPrivate.Minimal.Where(a => a.Type is not (CKA.CKA_CLASS or CKA.CKA_KEY_TYPE))
                .Select(a => new KeyValuePair<CKA, byte[]>(a.Type, a.Value)));

        var publicKey = ObjectEngine.Generate(CKO.CKO_PUBLIC_KEY, CKK.CKK_RSA,
            T.Of(T.ULong(CKA.CKA_MODULUS_BITS, 2048), T.Bool(CKA.CKA_VERIFY, true)), publicMaterial, CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, User);
        var privateKey = ObjectEngine.Generate(CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA,
            T.Of(T.Bool(CKA.CKA_SIGN, true)), privateMaterial, CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, User);
        Assert.Multiple(() =>
        {
            Assert.That(publicKey.GetULong(CKA.CKA_MODULUS_BITS), Is.EqualTo(2048));
            Assert.That(publicKey.GetBool(CKA.CKA_LOCAL) && privateKey.GetBool(CKA.CKA_LOCAL), Is.True);
            Assert.That(privateKey.GetBool(CKA.CKA_ALWAYS_SENSITIVE), Is.True);
            Assert.That(privateKey.Attributes[CKA.CKA_PRIME_1], Is.EqualTo(T.Repeat(0x31, 128)));
        });
    }

    [Test]
    public void Rsa_generation_needs_the_modulus_bits_and_takes_no_key_material_from_the_caller()
    {
        var material = new Dictionary<CKA, byte[]> { [CKA.CKA_MODULUS] = ObjectTypes.Modulus2048, [CKA.CKA_PUBLIC_EXPONENT] = [1, 0, 1] };
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCOMPLETE, () => ObjectEngine.Generate(
            CKO.CKO_PUBLIC_KEY, CKK.CKK_RSA, Template.Empty, material, CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, User));
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_READ_ONLY, () => ObjectEngine.Generate(
            CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA, T.Of(T.Bytes(CKA.CKA_MODULUS, ObjectTypes.Modulus2048)), material,
            CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, User));
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCONSISTENT, () => ObjectEngine.Generate(
            CKO.CKO_PUBLIC_KEY, CKK.CKK_RSA, T.Of(T.ULong(CKA.CKA_MODULUS_BITS, 3072)), material,
            CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, User));
    }

    [Test]
    public void A_public_exponent_in_the_template_must_be_the_one_used()
    {
        var material = new Dictionary<CKA, byte[]> { [CKA.CKA_MODULUS] = ObjectTypes.Modulus2048, [CKA.CKA_PUBLIC_EXPONENT] = [1, 0, 1] };
        var template = T.Of(T.ULong(CKA.CKA_MODULUS_BITS, 2048), T.Bytes(CKA.CKA_PUBLIC_EXPONENT, 3));
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCONSISTENT, () => ObjectEngine.Generate(
            CKO.CKO_PUBLIC_KEY, CKK.CKK_RSA, template, material, CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, User));
    }

    [Test]
    public void A_mechanism_that_contributes_a_foreign_attribute_is_a_general_error() =>
        Outcomes.Throws(CKR.CKR_GENERAL_ERROR, () => ObjectEngine.Generate(CKO.CKO_SECRET_KEY, CKK.CKK_AES, Aes256,
            new Dictionary<CKA, byte[]>(AesValue()) { [CKA.CKA_MODULUS] = [1] }, CKM.CKM_AES_KEY_GEN, User));

    [Test]
    public void Ec_generation_needs_the_curve()
    {
        var material = new Dictionary<CKA, byte[]> { [CKA.CKA_EC_POINT] = [4, 1, 2] };
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCOMPLETE, () => ObjectEngine.Generate(
            CKO.CKO_PUBLIC_KEY, CKK.CKK_EC, Template.Empty, material, CKM.CKM_EC_KEY_PAIR_GEN, User));
        var key = ObjectEngine.Generate(CKO.CKO_PUBLIC_KEY, CKK.CKK_EC, T.Of(T.Bytes(CKA.CKA_EC_PARAMS, ObjectTypes.P256Params)),
            material, CKM.CKM_EC_KEY_PAIR_GEN, User);
        Assert.That(key.Attributes[CKA.CKA_EC_POINT], Is.EqualTo(new byte[] { 4, 1, 2 }));
    }

    // Unwrap

    private static readonly Template UnwrapAes = T.Of(T.Class(CKO.CKO_SECRET_KEY), T.KeyType(CKK.CKK_AES));

    [Test]
    public void An_unwrapped_key_came_from_outside()
    {
        var key = ObjectEngine.Unwrap(CKO.CKO_SECRET_KEY, CKK.CKK_AES, UnwrapAes.With(T.Bool(CKA.CKA_EXTRACTABLE, false)), AesValue(), User);
        Assert.Multiple(() =>
        {
            Assert.That(key.GetBool(CKA.CKA_LOCAL), Is.False);
            Assert.That(key.GetBool(CKA.CKA_ALWAYS_SENSITIVE), Is.False);
            Assert.That(key.GetBool(CKA.CKA_NEVER_EXTRACTABLE), Is.False);
            Assert.That(key.GetULong(CKA.CKA_KEY_GEN_MECHANISM), Is.EqualTo(ulong.MaxValue));
            Assert.That(key.GetULong(CKA.CKA_VALUE_LEN), Is.EqualTo(32));
        });
    }

    [Test]
    public void An_unwrap_template_names_the_key_type() =>
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCOMPLETE,
            () => ObjectEngine.Unwrap(CKO.CKO_SECRET_KEY, CKK.CKK_AES, T.Of(T.Class(CKO.CKO_SECRET_KEY)), AesValue(), User));

    [Test]
    public void An_unwrap_template_may_state_the_length_but_not_the_value()
    {
        var withLength = UnwrapAes.With(T.ULong(CKA.CKA_VALUE_LEN, 16));
        Assert.That(ObjectEngine.Unwrap(CKO.CKO_SECRET_KEY, CKK.CKK_AES, withLength, AesValue(16), User).GetULong(CKA.CKA_VALUE_LEN), Is.EqualTo(16));
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCONSISTENT,
            () => ObjectEngine.Unwrap(CKO.CKO_SECRET_KEY, CKK.CKK_AES, withLength, AesValue(32), User));
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_READ_ONLY,
            () => ObjectEngine.Unwrap(CKO.CKO_SECRET_KEY, CKK.CKK_AES, UnwrapAes.With(T.Bytes(CKA.CKA_VALUE, new byte[32])), AesValue(), User));
    }

    [Test]
    public void Unwrapped_key_material_is_checked_like_any_other() =>
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_VALUE_INVALID,
            () => ObjectEngine.Unwrap(CKO.CKO_SECRET_KEY, CKK.CKK_AES, UnwrapAes, AesValue(20), User));

    [Test]
    public void Public_keys_are_not_unwrapped() =>
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCONSISTENT,
            () => ObjectEngine.Unwrap(CKO.CKO_PUBLIC_KEY, CKK.CKK_RSA, T.Of(T.KeyType(CKK.CKK_RSA)), new Dictionary<CKA, byte[]>(), User));
}
