using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Objects;

/// <summary>C_SetAttributeValue (§4.1.2): modifiable attributes, latches, SO-only trust, all or nothing.</summary>
public class SetAttributesTests
{
    private static readonly ObjectContext User = ObjectContext.User;

    private static HsmObject Aes(params Core.Attributes.TemplateAttribute[] more) =>
        ObjectEngine.Create(ObjectTypes.Aes.Minimal.With(more), User);

    [Test]
    public void A_change_is_a_new_version_of_the_same_object_and_the_old_one_stays_as_it_was()
    {
        var before = Aes(T.Text(CKA.CKA_LABEL, "old"));
        var after = ObjectEngine.SetAttributes(before, T.Of(T.Text(CKA.CKA_LABEL, "new"), T.Bool(CKA.CKA_ENCRYPT, false)), User);
        Assert.Multiple(() =>
        {
            Assert.That(after.Uid, Is.EqualTo(before.Uid));
            Assert.That(after.Attributes[CKA.CKA_UNIQUE_ID], Is.EqualTo(before.Attributes[CKA.CKA_UNIQUE_ID]));
            Assert.That(after.Attributes[CKA.CKA_LABEL], Is.EqualTo("new"u8.ToArray()));
            Assert.That(after.GetBool(CKA.CKA_ENCRYPT), Is.False);
            Assert.That(before.Attributes[CKA.CKA_LABEL], Is.EqualTo("old"u8.ToArray()));
            Assert.That(before.GetBool(CKA.CKA_ENCRYPT), Is.True);
        });
    }

    [Test]
    public void A_template_with_one_bad_attribute_changes_nothing()
    {
        var before = Aes();
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_READ_ONLY,
            () => ObjectEngine.SetAttributes(before, T.Of(T.Text(CKA.CKA_LABEL, "new"), T.Bool(CKA.CKA_TOKEN, true)), User));
        Assert.That(before.Attributes[CKA.CKA_LABEL], Is.Empty);
    }

    [Test]
    public void An_unmodifiable_object_refuses_every_change() =>
        Outcomes.Throws(CKR.CKR_ACTION_PROHIBITED,
            () => ObjectEngine.SetAttributes(Aes(T.Bool(CKA.CKA_MODIFIABLE, false)), T.Of(T.Text(CKA.CKA_LABEL, "x")), User));

    [TestCase(CKA.CKA_CLASS)]
    [TestCase(CKA.CKA_KEY_TYPE)]
    [TestCase(CKA.CKA_TOKEN)]
    [TestCase(CKA.CKA_PRIVATE)]
    [TestCase(CKA.CKA_VALUE)]
    [TestCase(CKA.CKA_UNIQUE_ID)]
    public void Identity_and_key_material_are_read_only(CKA type)
    {
        var key = Aes();
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_READ_ONLY, () => ObjectEngine.SetAttributes(key, T.Of(T.Bytes(type, Samples.Changed(key, type))), User));
    }

    [Test]
    public void An_attribute_of_another_object_type_is_inconsistent_and_a_non_cryptoki_one_type_invalid()
    {
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCONSISTENT, () => ObjectEngine.SetAttributes(Aes(), T.Of(T.Bytes(CKA.CKA_MODULUS, 1)), User));
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_TYPE_INVALID,
            () => ObjectEngine.SetAttributes(Aes(), T.Of(T.Bytes(Samples.UnknownVendorAttribute, 1)), User));
    }

    public static IEnumerable<TestCaseData> Latches() =>
    [
        new TestCaseData(CKA.CKA_SENSITIVE, false, true, CKR.CKR_OK).SetName("SENSITIVE false to true"),
        new TestCaseData(CKA.CKA_SENSITIVE, true, false, CKR.CKR_ATTRIBUTE_READ_ONLY).SetName("SENSITIVE true to false"),
        new TestCaseData(CKA.CKA_EXTRACTABLE, true, false, CKR.CKR_OK).SetName("EXTRACTABLE true to false"),
        new TestCaseData(CKA.CKA_EXTRACTABLE, false, true, CKR.CKR_ATTRIBUTE_READ_ONLY).SetName("EXTRACTABLE false to true"),
        new TestCaseData(CKA.CKA_WRAP_WITH_TRUSTED, false, true, CKR.CKR_OK).SetName("WRAP_WITH_TRUSTED false to true"),
        new TestCaseData(CKA.CKA_WRAP_WITH_TRUSTED, true, false, CKR.CKR_ATTRIBUTE_READ_ONLY).SetName("WRAP_WITH_TRUSTED true to false"),
        new TestCaseData(CKA.CKA_COPYABLE, true, false, CKR.CKR_OK).SetName("COPYABLE true to false"),
        new TestCaseData(CKA.CKA_COPYABLE, false, true, CKR.CKR_ATTRIBUTE_READ_ONLY).SetName("COPYABLE false to true"),
    ];

    [TestCaseSource(nameof(Latches))]
    public void Latched_flags_move_one_way_only(CKA type, bool from, bool to, CKR expected)
    {
        var key = Aes(T.Bool(type, from));
        if (expected == CKR.CKR_OK)
            Assert.That(ObjectEngine.SetAttributes(key, T.Of(T.Bool(type, to)), User).GetBool(type), Is.EqualTo(to));
        else
            Outcomes.Throws(expected, () => ObjectEngine.SetAttributes(key, T.Of(T.Bool(type, to)), User));
    }

    [Test]
    public void Restating_a_latched_value_is_allowed() =>
        Assert.That(ObjectEngine.SetAttributes(Aes(), T.Of(T.Bool(CKA.CKA_SENSITIVE, true)), User).GetBool(CKA.CKA_SENSITIVE), Is.True);

    [Test]
    public void Making_a_key_sensitive_later_does_not_rewrite_its_history()
    {
        var key = ObjectEngine.SetAttributes(Aes(T.Bool(CKA.CKA_SENSITIVE, false)), T.Of(T.Bool(CKA.CKA_SENSITIVE, true)), User);
        Assert.That(key.GetBool(CKA.CKA_ALWAYS_SENSITIVE), Is.False);
    }

    [Test]
    public void Only_the_so_trusts_a_key()
    {
        var key = Aes();
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_READ_ONLY, () => ObjectEngine.SetAttributes(key, T.Of(T.Bool(CKA.CKA_TRUSTED, true)), User));
        var trusted = ObjectEngine.SetAttributes(key, T.Of(T.Bool(CKA.CKA_TRUSTED, true)), ObjectContext.SecurityOfficer);
        Assert.That(trusted.GetBool(CKA.CKA_TRUSTED), Is.True);
        Assert.That(ObjectEngine.SetAttributes(trusted, T.Of(T.Bool(CKA.CKA_TRUSTED, false)), User).GetBool(CKA.CKA_TRUSTED), Is.False);
    }

    [Test]
    public void A_trusted_certificate_is_changed_by_the_so_alone()
    {
        var cert = ObjectEngine.Create(ObjectTypes.X509.Minimal.With(T.Bool(CKA.CKA_TRUSTED, true)), ObjectContext.SecurityOfficer);
        var change = T.Of(T.Text(CKA.CKA_LABEL, "root"));
        Outcomes.Throws(CKR.CKR_ACTION_PROHIBITED, () => ObjectEngine.SetAttributes(cert, change, User));
        Assert.That(ObjectEngine.SetAttributes(cert, change, ObjectContext.SecurityOfficer).Attributes[CKA.CKA_LABEL], Is.EqualTo("root"u8.ToArray()));
    }

    [Test]
    public void A_check_value_may_be_destroyed_or_restated_but_not_forged()
    {
        var key = Aes(T.Bytes(CKA.CKA_VALUE, new byte[16]));
        Assert.That(ObjectEngine.SetAttributes(key, T.Of(T.Bytes(CKA.CKA_CHECK_VALUE)), User).Attributes[CKA.CKA_CHECK_VALUE], Is.Empty);
        Assert.That(ObjectEngine.SetAttributes(key, T.Of(T.Bytes(CKA.CKA_CHECK_VALUE, T.Hex("66E94B"))), User).Attributes[CKA.CKA_CHECK_VALUE],
            Is.EqualTo(T.Hex("66E94B")));
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_VALUE_INVALID,
            () => ObjectEngine.SetAttributes(key, T.Of(T.Bytes(CKA.CKA_CHECK_VALUE, 1, 2, 3)), User));
    }

    [Test]
    public void A_changed_value_is_checked_like_a_new_one()
    {
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_VALUE_INVALID, () => ObjectEngine.SetAttributes(Aes(), T.Of(T.Bytes(CKA.CKA_ENCRYPT, 2)), User));
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_VALUE_INVALID, () => ObjectEngine.SetAttributes(Aes(), T.Of(T.Bytes(CKA.CKA_END_DATE, 1, 2)), User));
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCONSISTENT,
            () => ObjectEngine.SetAttributes(Aes(), T.Of(T.Text(CKA.CKA_LABEL, "a"), T.Text(CKA.CKA_LABEL, "b")), User));
    }

    [Test]
    public void Modifiable_certificate_attributes_are_the_ones_the_spec_lists()
    {
        var cert = ObjectEngine.Create(ObjectTypes.X509.Minimal, User);
        var changed = ObjectEngine.SetAttributes(cert, T.Of(T.Bytes(CKA.CKA_ID, 1), T.Bytes(CKA.CKA_ISSUER, 2), T.Bytes(CKA.CKA_SERIAL_NUMBER, 3)), User);
        Assert.That(changed.Attributes[CKA.CKA_SERIAL_NUMBER], Is.EqualTo(new byte[] { 3 }));
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_READ_ONLY, () => ObjectEngine.SetAttributes(cert, T.Of(T.Bytes(CKA.CKA_SUBJECT, 1)), User));
    }
}
