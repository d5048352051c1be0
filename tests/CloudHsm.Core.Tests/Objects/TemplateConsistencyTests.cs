using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Objects;

/// <summary>
/// §4.1.1 items 1, 2 and 5 at their borders, for every function that takes a template (§4.1.2 and
/// §4.1.3 apply them to C_SetAttributeValue and C_CopyObject): no Cryptoki attribute at all is
/// CKR_ATTRIBUTE_TYPE_INVALID; a valid attribute, key type or certificate type that belongs to other
/// object types is CKR_TEMPLATE_INCONSISTENT; a key type the token supports for no class is
/// CKR_ATTRIBUTE_VALUE_INVALID.
/// </summary>
public class TemplateConsistencyTests
{
    private static readonly ObjectContext User = ObjectContext.User;

    private static readonly byte[] Aes256 = ObjectTypes.AesKey;

    private static HsmObject AesKey() => ObjectEngine.Create(ObjectTypes.Aes.Minimal, User);

    private static void Create(params TemplateAttribute[] attributes) => ObjectEngine.Create(T.Of(attributes), User);

    private static void Key(CKO objectClass, CKK keyType) =>
        Create(T.Class(objectClass), T.KeyType(keyType), T.Bytes(CKA.CKA_VALUE, Aes256));

    private static void GenerateAes(params TemplateAttribute[] more) => ObjectEngine.Generate(
        CKO.CKO_SECRET_KEY, CKK.CKK_AES, T.Of([T.ULong(CKA.CKA_VALUE_LEN, 32), .. more]),
        new Dictionary<CKA, byte[]> { [CKA.CKA_VALUE] = Aes256 }, CKM.CKM_AES_KEY_GEN, User);

    private static void Unwrap(CKO objectClass, CKK keyType, params TemplateAttribute[] more) => ObjectEngine.Unwrap(
        objectClass, keyType, T.Of([T.Class(objectClass), T.KeyType(keyType), .. more]),
        new Dictionary<CKA, byte[]> { [CKA.CKA_VALUE] = Aes256 }, User);

    private static TestCaseData Row(string name, CKR expected, TestDelegate action) =>
        new TestCaseData(expected, action).SetName($"{name}: {expected}");

    public static IEnumerable<TestCaseData> Rows() =>
    [
        // An attribute of other object types (item 5).
        Row("create secret key with CKA_MODULUS", CKR.CKR_TEMPLATE_INCONSISTENT,
            () => ObjectEngine.Create(ObjectTypes.Aes.Minimal.With(T.Bytes(CKA.CKA_MODULUS, ObjectTypes.Modulus2048)), User)),
        Row("create public key with CKA_PRIME_1", CKR.CKR_TEMPLATE_INCONSISTENT,
            () => ObjectEngine.Create(ObjectTypes.RsaPublic.Minimal.With(T.Bytes(CKA.CKA_PRIME_1, 1)), User)),
        Row("create data object with CKA_KEY_TYPE", CKR.CKR_TEMPLATE_INCONSISTENT,
            () => ObjectEngine.Create(ObjectTypes.Data.Minimal.With(T.KeyType(CKK.CKK_AES)), User)),
        Row("set CKA_MODULUS on AES key", CKR.CKR_TEMPLATE_INCONSISTENT,
            () => ObjectEngine.SetAttributes(AesKey(), T.Of(T.Bytes(CKA.CKA_MODULUS, 1)), User)),
        Row("copy AES key with CKA_MODULUS", CKR.CKR_TEMPLATE_INCONSISTENT,
            () => ObjectEngine.Copy(AesKey(), T.Of(T.Bytes(CKA.CKA_MODULUS, 1)), User)),
        Row("generate AES key with CKA_EC_PARAMS", CKR.CKR_TEMPLATE_INCONSISTENT,
            () => GenerateAes(T.Bytes(CKA.CKA_EC_PARAMS, ObjectTypes.P256Params))),
        Row("unwrap AES key with CKA_PUBLIC_EXPONENT", CKR.CKR_TEMPLATE_INCONSISTENT,
            () => Unwrap(CKO.CKO_SECRET_KEY, CKK.CKK_AES, T.Bytes(CKA.CKA_PUBLIC_EXPONENT, 1, 0, 1))),

        // A key type of another class (item 5).
        Row("secret key of CKK_RSA", CKR.CKR_TEMPLATE_INCONSISTENT, () => Key(CKO.CKO_SECRET_KEY, CKK.CKK_RSA)),
        Row("secret key of CKK_EC", CKR.CKR_TEMPLATE_INCONSISTENT, () => Key(CKO.CKO_SECRET_KEY, CKK.CKK_EC)),
        Row("private key of CKK_AES", CKR.CKR_TEMPLATE_INCONSISTENT, () => Key(CKO.CKO_PRIVATE_KEY, CKK.CKK_AES)),
        Row("public key of CKK_GENERIC_SECRET", CKR.CKR_TEMPLATE_INCONSISTENT, () => Key(CKO.CKO_PUBLIC_KEY, CKK.CKK_GENERIC_SECRET)),
        Row("unwrap private key of CKK_AES", CKR.CKR_TEMPLATE_INCONSISTENT, () => Unwrap(CKO.CKO_PRIVATE_KEY, CKK.CKK_AES)),
        Row("generate secret key of CKK_RSA", CKR.CKR_TEMPLATE_INCONSISTENT, () => ObjectEngine.Generate(
            CKO.CKO_SECRET_KEY, CKK.CKK_RSA, Template.Empty, new Dictionary<CKA, byte[]>(), CKM.CKM_AES_KEY_GEN, User)),

        // A key or certificate type the token supports for no class (item 2).
        Row("private key of CKK_DSA", CKR.CKR_ATTRIBUTE_VALUE_INVALID, () => Create(
            T.Class(CKO.CKO_PRIVATE_KEY), T.KeyType(CKK.CKK_DSA), T.Bytes(CKA.CKA_PRIME, 1), T.Bytes(CKA.CKA_SUBPRIME, 1),
            T.Bytes(CKA.CKA_BASE, 1), T.Bytes(CKA.CKA_VALUE, 1))),
        Row("secret key of CKK_KEA", CKR.CKR_ATTRIBUTE_VALUE_INVALID, () => Key(CKO.CKO_SECRET_KEY, CKK.CKK_KEA)),
        Row("private key of CKK_KEA", CKR.CKR_ATTRIBUTE_VALUE_INVALID, () => Key(CKO.CKO_PRIVATE_KEY, CKK.CKK_KEA)),
        Row("secret key of no Cryptoki key type", CKR.CKR_ATTRIBUTE_VALUE_INVALID, () => Key(CKO.CKO_SECRET_KEY, (CKK)0x7FFF_0000)),
        Row("unwrap secret key of CKK_DSA", CKR.CKR_ATTRIBUTE_VALUE_INVALID, () => Unwrap(CKO.CKO_SECRET_KEY, CKK.CKK_DSA)),
        // CKC and CKK numbers overlap: a certificate type is never taken for the key type of that number.
        Row("certificate of CKC 0x1F (the number of CKK_AES)", CKR.CKR_ATTRIBUTE_VALUE_INVALID, () => ObjectEngine.Create(
            ObjectTypes.X509.Minimal.With(T.ULong(CKA.CKA_CERTIFICATE_TYPE, (ulong)CKK.CKK_AES)), User)),

        // No Cryptoki attribute at all (item 1).
        Row("create with an unknown vendor attribute", CKR.CKR_ATTRIBUTE_TYPE_INVALID,
            () => ObjectEngine.Create(ObjectTypes.Aes.Minimal.With(T.Bytes(Samples.UnknownVendorAttribute, 1)), User)),
        Row("set an unknown vendor attribute", CKR.CKR_ATTRIBUTE_TYPE_INVALID,
            () => ObjectEngine.SetAttributes(AesKey(), T.Of(T.Bytes(Samples.UnknownVendorAttribute, 1)), User)),
        Row("copy with an unknown vendor attribute", CKR.CKR_ATTRIBUTE_TYPE_INVALID,
            () => ObjectEngine.Copy(AesKey(), T.Of(T.Bytes(Samples.UnknownVendorAttribute, 1)), User)),
        Row("generate with an unknown vendor attribute", CKR.CKR_ATTRIBUTE_TYPE_INVALID,
            () => GenerateAes(T.Bytes(Samples.UnknownVendorAttribute, 1))),
        Row("unwrap with an unknown vendor attribute", CKR.CKR_ATTRIBUTE_TYPE_INVALID,
            () => Unwrap(CKO.CKO_SECRET_KEY, CKK.CKK_AES, T.Bytes(Samples.UnknownVendorAttribute, 1))),
    ];

    [TestCaseSource(nameof(Rows))]
    public void A_template_gets_the_code_its_scenario_names(CKR expected, TestDelegate action) => Outcomes.Throws(expected, action);

    [Test]
    public void Reading_and_matching_keep_their_own_rule_for_an_attribute_of_another_type()
    {
        var key = AesKey();
        Assert.Multiple(() =>
        {
            Assert.That(ObjectEngine.Read(key, CKA.CKA_MODULUS).Status, Is.EqualTo(AttributeReadStatus.TypeInvalid));
            Assert.That(ObjectEngine.Read(key, Samples.UnknownVendorAttribute).Status, Is.EqualTo(AttributeReadStatus.TypeInvalid));
            Assert.That(ObjectEngine.Matches(key, T.Of(T.Bytes(CKA.CKA_MODULUS, 1))), Is.False);
            Assert.That(ObjectEngine.Matches(key, T.Of(T.Bytes(Samples.UnknownVendorAttribute, 1))), Is.False);
        });
    }
}
