using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_CopyObject (spec 5.7).</summary>
public sealed class _14_CopyObjectTest : RwUserSessionFixture
{
    [Test]
    public void Copy_takes_new_values_from_the_template_and_keeps_the_rest()
    {
        string label = P11.UniqueLabel("original");
        byte[] value = TestData.Random(20);
        ulong original = P11.Create(Session, TestData.DataObject(label, value: value));
        string copyLabel = P11.UniqueLabel("copy");
        Assert.That(P11.TryCopy(Session, original, out ulong copy, Attr.Label(copyLabel)), Is.EqualTo(CKR.CKR_OK), "C_CopyObject(CKA_LABEL)");
        Assert.That(copy, Is.Not.EqualTo(original).And.Not.Zero, "a new handle");
        Assert.That(P11.GetString(Session, copy, CKA.CKA_LABEL), Is.EqualTo(copyLabel), "the copy has the template's label");
        Assert.That(P11.Get(Session, copy, CKA.CKA_VALUE), Is.EqualTo(value), "the copy keeps CKA_VALUE");
        Assert.That(P11.GetString(Session, original, CKA.CKA_LABEL), Is.EqualTo(label), "the original is unchanged");
    }

    [Test]
    public void Copy_gets_its_own_CKA_UNIQUE_ID()
    {
        ulong original = P11.Create(Session, TestData.DataObject(P11.UniqueLabel("uid")));
        P11.Ok(P11.TryCopy(Session, original, out ulong copy), "C_CopyObject with an empty template");
        Assert.That(P11.Get(Session, copy, Ck.CKA_UNIQUE_ID), Is.Not.EqualTo(P11.Get(Session, original, Ck.CKA_UNIQUE_ID)), "CKA_UNIQUE_ID differs");
    }

    [Test]
    public void Session_object_can_be_copied_to_a_token_object()
    {
        ulong original = P11.Create(Session, TestData.AesKey(P11.UniqueLabel("to-token"), TestData.Random(32)));
        Assert.That(P11.TryCopy(Session, original, out ulong copy, Attr.Token(true)), Is.EqualTo(CKR.CKR_OK), "C_CopyObject(CKA_TOKEN = TRUE)");
        Assert.That(P11.GetBool(Session, copy, CKA.CKA_TOKEN), Is.True, "the copy is a token object");
        Assert.That(P11.GetBool(Session, original, CKA.CKA_TOKEN), Is.False, "the original is still a session object");
        P11.Ok(P11.Destroy(Session, copy), "C_DestroyObject (clean-up)");
    }

    [Test]
    public void Copy_may_make_a_key_sensitive_but_not_undo_it()
    {
        ulong plain = P11.Create(Session, TestData.AesKey(P11.UniqueLabel("sens"), TestData.Random(16), sensitive: false));
        Assert.That(P11.TryCopy(Session, plain, out ulong sensitive, Attr.Bool(CKA.CKA_SENSITIVE, true)), Is.EqualTo(CKR.CKR_OK), "copy with CKA_SENSITIVE = TRUE");
        Assert.That(P11.TryGet(Session, sensitive, CKA.CKA_VALUE, out _), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), "the copy's value is sensitive");
        Assert.That(P11.TryCopy(Session, sensitive, out _, Attr.Bool(CKA.CKA_SENSITIVE, false)), Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY), "copy with CKA_SENSITIVE back to FALSE");
        Assert.That(P11.TryCopy(Session, plain, out ulong unextractable, Attr.Bool(CKA.CKA_EXTRACTABLE, false)), Is.EqualTo(CKR.CKR_OK), "copy with CKA_EXTRACTABLE = FALSE");
        Assert.That(P11.TryCopy(Session, unextractable, out _, Attr.Bool(CKA.CKA_EXTRACTABLE, true)), Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY), "copy with CKA_EXTRACTABLE back to TRUE");
    }

    [Test]
    public void Copy_cannot_change_the_class()
    {
        ulong original = P11.Create(Session, TestData.DataObject(P11.UniqueLabel("class")));
        Assert.That(P11.TryCopy(Session, original, out _, Attr.Class(CKO.CKO_CERTIFICATE)), Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY), "C_CopyObject(CKA_CLASS = CKO_CERTIFICATE)");
    }

    [Test]
    public void Not_copyable_returns_CKR_ACTION_PROHIBITED()
    {
        ulong original = P11.Create(Session, [.. TestData.DataObject(P11.UniqueLabel("nocopy")), Attr.Bool(CKA.CKA_COPYABLE, false)]);
        Assert.That(P11.TryCopy(Session, original, out _), Is.EqualTo(CKR.CKR_ACTION_PROHIBITED), "C_CopyObject of a CKA_COPYABLE = FALSE object");
    }

    [Test]
    public void Token_copy_in_a_RO_session_returns_CKR_SESSION_READ_ONLY()
    {
        ulong original = P11.Create(Session, TestData.DataObject(P11.UniqueLabel("ro-copy")));
        ulong ro = P11.OpenRo();
        Assert.That(P11.TryCopy(ro, original, out _, Attr.Token(true)), Is.EqualTo(CKR.CKR_SESSION_READ_ONLY), "C_CopyObject(CKA_TOKEN = TRUE) in a R/O session");
    }

    [Test]
    public void Invalid_object_returns_CKR_OBJECT_HANDLE_INVALID()
    {
        Assert.That(P11.TryCopy(Session, Ck.InvalidObject, out _), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID), "C_CopyObject(invalid object)");
        Assert.That(P11.TryCopy(Session, 0, out _), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID), "C_CopyObject(0)");
    }

    [Test]
    public unsafe void NULL_phNewObject_returns_CKR_ARGUMENTS_BAD()
    {
        ulong original = P11.Create(Session, TestData.DataObject(P11.UniqueLabel("null")));
        Assert.That(Module.Raw.C_CopyObject(Session, original, null, 0, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_CopyObject(phNewObject = NULL)");
    }
}
