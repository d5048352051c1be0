using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Objects;

/// <summary>C_GetAttributeValue, C_FindObjects matching, C_GetObjectSize.</summary>
public class ReadMatchSizeTests
{
    private static readonly ObjectContext User = ObjectContext.User;

    private static HsmObject Create(Template template) => ObjectEngine.Create(template, User);

    public static IEnumerable<TestCaseData> Exposure() =>
    [
        new TestCaseData(true, true, AttributeReadStatus.Sensitive).SetName("sensitive, extractable"),
        new TestCaseData(true, false, AttributeReadStatus.Sensitive).SetName("sensitive, unextractable"),
        new TestCaseData(false, false, AttributeReadStatus.Sensitive).SetName("not sensitive, unextractable"),
        new TestCaseData(false, true, AttributeReadStatus.Ok).SetName("not sensitive, extractable"),
    ];

    [TestCaseSource(nameof(Exposure))]
    public void Key_material_is_revealed_only_by_a_key_neither_sensitive_nor_unextractable(bool sensitive, bool extractable,
        AttributeReadStatus expected)
    {
        var flags = new[] { T.Bool(CKA.CKA_SENSITIVE, sensitive), T.Bool(CKA.CKA_EXTRACTABLE, extractable) };
        var aes = Create(ObjectTypes.Aes.Minimal.With(flags));
        var rsa = Create(ObjectTypes.RsaPrivate.Minimal.With(flags));
        Assert.Multiple(() =>
        {
            Assert.That(ObjectEngine.Read(aes, CKA.CKA_VALUE).Status, Is.EqualTo(expected));
            Assert.That(ObjectEngine.Read(rsa, CKA.CKA_PRIVATE_EXPONENT).Status, Is.EqualTo(expected));
            Assert.That(ObjectEngine.Read(rsa, CKA.CKA_COEFFICIENT).Status, Is.EqualTo(expected));
            Assert.That(ObjectEngine.Read(rsa, CKA.CKA_MODULUS).Status, Is.EqualTo(AttributeReadStatus.Ok), "public half");
            Assert.That(ObjectEngine.Read(aes, CKA.CKA_CHECK_VALUE).Status, Is.EqualTo(AttributeReadStatus.Ok));
        });
        if (expected == AttributeReadStatus.Ok)
            Assert.That(ObjectEngine.Read(aes, CKA.CKA_VALUE).Value, Is.EqualTo(ObjectTypes.AesKey));
    }

    [Test]
    public void A_withheld_or_foreign_attribute_has_no_value()
    {
        var key = Create(ObjectTypes.Aes.Minimal);
        var sensitive = ObjectEngine.Read(key, CKA.CKA_VALUE);
        var foreign = ObjectEngine.Read(key, CKA.CKA_MODULUS);
        Assert.Multiple(() =>
        {
            Assert.That(sensitive.Value, Is.Null);
            Assert.That(foreign.Status, Is.EqualTo(AttributeReadStatus.TypeInvalid));
            Assert.That(foreign.Value, Is.Null);
            Assert.That(ObjectEngine.Read(key, Samples.UnknownVendorAttribute).Status, Is.EqualTo(AttributeReadStatus.TypeInvalid));
        });
    }

    [Test]
    public void An_attribute_of_the_type_that_was_never_given_reads_as_empty()
    {
        var read = ObjectEngine.Read(Create(ObjectTypes.Aes.Minimal), CKA.CKA_WRAP_TEMPLATE);
        Assert.That(read.Status, Is.EqualTo(AttributeReadStatus.Ok));
        Assert.That(read.Value, Is.Empty);
    }

    [Test]
    public void A_read_value_is_the_callers_own_copy()
    {
        var key = Create(ObjectTypes.Aes.Minimal.With(T.Text(CKA.CKA_LABEL, "k")));
        ObjectEngine.Read(key, CKA.CKA_LABEL).Value![0] = (byte)'X';
        Assert.That(key.Attributes[CKA.CKA_LABEL], Is.EqualTo("k"u8.ToArray()));
    }

    [Test]
    public void Is_secret_names_exactly_the_key_material()
    {
        var rsa = Create(ObjectTypes.RsaPrivate.Minimal);
        var secret = rsa.Attributes.Keys.Where(type => ObjectEngine.IsSecret(rsa, type));
        Assert.That(secret, Is.EquivalentTo(new[]
        {
            CKA.CKA_PRIVATE_EXPONENT, CKA.CKA_PRIME_1, CKA.CKA_PRIME_2, CKA.CKA_EXPONENT_1, CKA.CKA_EXPONENT_2, CKA.CKA_COEFFICIENT,
        }));
        var aes = Create(ObjectTypes.Aes.Minimal);
        Assert.That(aes.Attributes.Keys.Where(type => ObjectEngine.IsSecret(aes, type)), Is.EquivalentTo(new[] { CKA.CKA_VALUE }));
        var data = Create(ObjectTypes.Data.Minimal.With(T.Bytes(CKA.CKA_VALUE, 1)));
        Assert.That(ObjectEngine.IsSecret(data, CKA.CKA_VALUE), Is.False, "a data object's value is not key material");
    }

    /// <summary>One rule for both: what the store seals is exactly what a sensitive key withholds.</summary>
    [TestCaseSource(typeof(SpecTable), nameof(SpecTable.Types))]
    public void Is_secret_and_read_agree_for_every_attribute((ObjectType Type, SpecTable.Expect[][] Layers) row)
    {
        var obj = Create(row.Type.Minimal);
        foreach (var type in Samples.AllAttributes)
            Assert.That(ObjectEngine.Read(obj, type).Status == AttributeReadStatus.Sensitive, Is.EqualTo(ObjectEngine.IsSecret(obj, type)),
                $"{row.Type.Name} {AttributeCatalog.Name(type)}");
    }

    // Matching

    [Test]
    public void An_empty_template_matches_everything()
    {
        Assert.That(ObjectEngine.Matches(Create(ObjectTypes.Data.Minimal), Template.Empty), Is.True);
        Assert.That(ObjectEngine.Matches(Create(ObjectTypes.Aes.Minimal), Template.Empty), Is.True);
    }

    [Test]
    public void Every_template_attribute_must_be_equal()
    {
        var key = Create(ObjectTypes.Aes.Minimal.With(T.Text(CKA.CKA_LABEL, "k"), T.Bytes(CKA.CKA_ID, 7)));
        Assert.Multiple(() =>
        {
            Assert.That(ObjectEngine.Matches(key, T.Of(T.Class(CKO.CKO_SECRET_KEY), T.Text(CKA.CKA_LABEL, "k"))), Is.True);
            Assert.That(ObjectEngine.Matches(key, T.Of(T.Class(CKO.CKO_SECRET_KEY), T.Text(CKA.CKA_LABEL, "j"))), Is.False);
            Assert.That(ObjectEngine.Matches(key, T.Of(T.Bytes(CKA.CKA_ID, 7), T.Bool(CKA.CKA_ENCRYPT, true))), Is.True);
            Assert.That(ObjectEngine.Matches(key, T.Of(T.Bool(CKA.CKA_TOKEN, true))), Is.False);
            Assert.That(ObjectEngine.Matches(key, T.Of(T.Text(CKA.CKA_UNIQUE_ID, key.UniqueId))), Is.True);
            Assert.That(ObjectEngine.Matches(key, T.Of(T.ULong(CKA.CKA_VALUE_LEN, 32))), Is.True);
        });
    }

    [Test]
    public void A_default_or_empty_value_matches_like_any_other()
    {
        var key = Create(ObjectTypes.Aes.Minimal);
        Assert.That(ObjectEngine.Matches(key, T.Of(T.Bytes(CKA.CKA_LABEL))), Is.True);
        Assert.That(ObjectEngine.Matches(key, T.Of(T.Bytes(CKA.CKA_WRAP_TEMPLATE))), Is.True);
    }

    [Test]
    public void An_attribute_the_object_lacks_never_matches() =>
        Assert.That(ObjectEngine.Matches(Create(ObjectTypes.Aes.Minimal), T.Of(T.Bytes(CKA.CKA_MODULUS, 1))), Is.False);

    [Test]
    public void Searching_cannot_test_withheld_key_material()
    {
        var sensitive = Create(ObjectTypes.Aes.Minimal);
        var open = Create(ObjectTypes.Aes.Minimal.With(T.Bool(CKA.CKA_SENSITIVE, false)));
        var byValue = T.Of(T.Bytes(CKA.CKA_VALUE, ObjectTypes.AesKey));
        Assert.That(ObjectEngine.Matches(sensitive, byValue), Is.False);
        Assert.That(ObjectEngine.Matches(open, byValue), Is.True);
    }

    // Size

    [Test]
    public void The_size_is_the_values_plus_a_header_per_attribute()
    {
        var obj = Create(ObjectTypes.Data.Minimal);
        ulong expected = (ulong)obj.Attributes.Sum(a => a.Value.Length + ObjectEngine.AttributeOverhead);
        Assert.That(ObjectEngine.Size(obj), Is.EqualTo(expected));
        var labelled = ObjectEngine.SetAttributes(obj, T.Of(T.Text(CKA.CKA_LABEL, "ten bytes!")), User);
        Assert.That(ObjectEngine.Size(labelled), Is.EqualTo(expected + 10));
    }

    [Test]
    public void A_bigger_key_is_a_bigger_object()
    {
        var small = Create(ObjectTypes.Aes.Minimal.With(T.Bytes(CKA.CKA_VALUE, new byte[16])));
        var large = Create(ObjectTypes.Aes.Minimal.With(T.Bytes(CKA.CKA_VALUE, new byte[32])));
        Assert.That(ObjectEngine.Size(large) - ObjectEngine.Size(small), Is.EqualTo(16));
    }
}
