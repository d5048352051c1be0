using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Objects;

/// <summary>C_CopyObject (§4.1.3).</summary>
public class CopyTests
{
    private static readonly ObjectContext User = ObjectContext.User;

    private static HsmObject Aes(params Core.Attributes.TemplateAttribute[] more) =>
        ObjectEngine.Create(ObjectTypes.Aes.Minimal.With(more), User);

    [Test]
    public void A_copy_is_a_new_object_with_the_same_content()
    {
        var source = Aes(T.Text(CKA.CKA_LABEL, "k"));
        var copy = ObjectEngine.Copy(source, T.Of(), User);
        Assert.Multiple(() =>
        {
            Assert.That(copy.Uid, Is.Not.EqualTo(source.Uid));
            Assert.That(copy.Attributes[CKA.CKA_UNIQUE_ID], Is.EqualTo(System.Text.Encoding.ASCII.GetBytes(copy.UniqueId)));
            Assert.That(copy.Attributes[CKA.CKA_VALUE], Is.EqualTo(source.Attributes[CKA.CKA_VALUE]));
            Assert.That(copy.Attributes[CKA.CKA_LABEL], Is.EqualTo("k"u8.ToArray()));
            Assert.That(copy.Attributes.Keys, Is.EquivalentTo(source.Attributes.Keys));
        });
    }

    [Test]
    public void A_copy_may_change_where_it_lives_and_what_may_happen_to_it()
    {
        var copy = ObjectEngine.Copy(Aes(), T.Of(
            T.Bool(CKA.CKA_TOKEN, true), T.Bool(CKA.CKA_PRIVATE, false),
            T.Bool(CKA.CKA_MODIFIABLE, false), T.Bool(CKA.CKA_DESTROYABLE, false)), User);
        Assert.Multiple(() =>
        {
            Assert.That(copy.IsToken, Is.True);
            Assert.That(copy.IsPrivate, Is.False);
            Assert.That(copy.IsModifiable, Is.False);
            Assert.That(copy.IsDestroyable, Is.False);
        });
    }

    [Test]
    public void An_uncopyable_object_is_not_copied() =>
        Outcomes.Throws(CKR.CKR_ACTION_PROHIBITED, () => ObjectEngine.Copy(Aes(T.Bool(CKA.CKA_COPYABLE, false)), T.Of(), User));

    [Test]
    public void A_copy_keeps_the_key_history()
    {
        var generated = ObjectEngine.Generate(CKO.CKO_SECRET_KEY, CKK.CKK_AES, T.Of(T.ULong(CKA.CKA_VALUE_LEN, 16)),
            new Dictionary<CKA, byte[]> { [CKA.CKA_VALUE] = new byte[16] }, CKM.CKM_AES_KEY_GEN, User);
        var copy = ObjectEngine.Copy(generated, T.Of(T.Bool(CKA.CKA_EXTRACTABLE, false)), User);
        Assert.Multiple(() =>
        {
            Assert.That(copy.GetBool(CKA.CKA_LOCAL), Is.True, "§4.8: a copy of a local key is local");
            Assert.That(copy.GetULong(CKA.CKA_KEY_GEN_MECHANISM), Is.EqualTo((ulong)CKM.CKM_AES_KEY_GEN));
            Assert.That(copy.GetBool(CKA.CKA_ALWAYS_SENSITIVE), Is.True);
            Assert.That(copy.GetBool(CKA.CKA_NEVER_EXTRACTABLE), Is.False, "the source was extractable once");
        });
    }

    [Test]
    public void Latches_hold_on_copy()
    {
        var open = Aes(T.Bool(CKA.CKA_SENSITIVE, false), T.Bool(CKA.CKA_EXTRACTABLE, false));
        Assert.That(ObjectEngine.Copy(open, T.Of(T.Bool(CKA.CKA_SENSITIVE, true)), User).GetBool(CKA.CKA_SENSITIVE), Is.True);
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_READ_ONLY, () => ObjectEngine.Copy(open, T.Of(T.Bool(CKA.CKA_EXTRACTABLE, true)), User));
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_READ_ONLY, () => ObjectEngine.Copy(Aes(), T.Of(T.Bool(CKA.CKA_SENSITIVE, false)), User));
    }

    [Test]
    public void Neither_the_unique_id_nor_the_key_material_changes_on_copy()
    {
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_READ_ONLY, () => ObjectEngine.Copy(Aes(), T.Of(T.Text(CKA.CKA_UNIQUE_ID, "x")), User));
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_READ_ONLY, () => ObjectEngine.Copy(Aes(), T.Of(T.Bytes(CKA.CKA_VALUE, new byte[32])), User));
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_READ_ONLY, () => ObjectEngine.Copy(Aes(), T.Of(T.KeyType(CKK.CKK_GENERIC_SECRET)), User));
    }

    [Test]
    public void A_copy_must_stay_consistent()
    {
        var key = ObjectEngine.Create(ObjectTypes.RsaPrivate.Minimal.With(T.Bool(CKA.CKA_ALWAYS_AUTHENTICATE, true)), User);
        Outcomes.Throws(CKR.CKR_TEMPLATE_INCONSISTENT, () => ObjectEngine.Copy(key, T.Of(T.Bool(CKA.CKA_PRIVATE, false)), User));
    }

    [Test]
    public void A_user_copy_of_a_trusted_key_may_restate_trust_but_not_grant_it()
    {
        var trusted = ObjectEngine.Create(ObjectTypes.Aes.Minimal.With(T.Bool(CKA.CKA_TRUSTED, true)), ObjectContext.SecurityOfficer);
        Assert.That(ObjectEngine.Copy(trusted, T.Of(T.Bool(CKA.CKA_TRUSTED, true)), User).GetBool(CKA.CKA_TRUSTED), Is.True);
        Outcomes.Throws(CKR.CKR_ATTRIBUTE_READ_ONLY, () => ObjectEngine.Copy(Aes(), T.Of(T.Bool(CKA.CKA_TRUSTED, true)), User));
        Assert.That(ObjectEngine.Copy(Aes(), T.Of(T.Bool(CKA.CKA_TRUSTED, true)), ObjectContext.SecurityOfficer).GetBool(CKA.CKA_TRUSTED), Is.True);
    }
}
