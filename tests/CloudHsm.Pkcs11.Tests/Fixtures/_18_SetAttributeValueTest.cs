using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_SetAttributeValue (spec 5.7; attribute footnotes of 4.x: read-only, only-to-TRUE, only-to-FALSE).</summary>
public sealed class _18_SetAttributeValueTest : RwUserSessionFixture
{
    [Test]
    public void Label_of_objects_can_be_changed()
    {
        foreach (Attr[] template in new[] { TestData.DataObject(P11.UniqueLabel("before")), TestData.AesKey(P11.UniqueLabel("before"), TestData.Random(16)) })
        {
            ulong h = P11.Create(Session, template);
            string label = P11.UniqueLabel("after");
            Assert.That(P11.TrySet(Session, h, Attr.Label(label)), Is.EqualTo(CKR.CKR_OK), "C_SetAttributeValue(CKA_LABEL) (modifiable: footnote 8)");
            Assert.That(P11.GetString(Session, h, CKA.CKA_LABEL), Is.EqualTo(label));
        }
    }

    [Test]
    public void Key_usage_flags_can_be_changed()
    {
        ulong h = P11.Create(Session, TestData.AesKey(P11.UniqueLabel("usage"), TestData.Random(16)));
        Assert.That(P11.TrySet(Session, h, Attr.Bool(CKA.CKA_ENCRYPT, false), Attr.Bytes(CKA.CKA_ID, [1, 2, 3])), Is.EqualTo(CKR.CKR_OK),
            "C_SetAttributeValue(CKA_ENCRYPT, CKA_ID)");
        Assert.That(P11.GetBool(Session, h, CKA.CKA_ENCRYPT), Is.False);
        Assert.That(P11.Get(Session, h, CKA.CKA_ID), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public void Token_object_change_is_kept()
    {
        ulong h = P11.Create(Session, TestData.DataObject(P11.UniqueLabel("token-before"), token: true));
        string label = P11.UniqueLabel("token-after");
        P11.Ok(P11.TrySet(Session, h, Attr.Label(label)), "C_SetAttributeValue on a token object");
        ulong other = P11.OpenRo();
        Assert.That(P11.Find(other, Attr.Label(label)), Is.EqualTo(new[] { h }), "another session finds it by the new label");
        P11.Ok(P11.Destroy(Session, h), "clean-up");
    }

    [Test]
    public void Not_modifiable_returns_CKR_ACTION_PROHIBITED()
    {
        ulong h = P11.Create(Session, [.. TestData.DataObject(P11.UniqueLabel("frozen")), Attr.Bool(CKA.CKA_MODIFIABLE, false)]);
        Assert.That(P11.TrySet(Session, h, Attr.Label("changed")), Is.EqualTo(CKR.CKR_ACTION_PROHIBITED), "C_SetAttributeValue on CKA_MODIFIABLE = FALSE");
        Assert.That(P11.GetString(Session, h, CKA.CKA_LABEL), Does.StartWith("frozen"), "unchanged");
    }

    public static IEnumerable<TestCaseData> ReadOnlyAttributes()
    {
        yield return new TestCaseData(Attr.Class(CKO.CKO_CERTIFICATE)).SetName("CKA_CLASS is read-only");
        yield return new TestCaseData(Attr.KeyType(CKK.CKK_GENERIC_SECRET)).SetName("CKA_KEY_TYPE is read-only");
        yield return new TestCaseData(Attr.Token(true)).SetName("CKA_TOKEN is read-only");
        yield return new TestCaseData(Attr.Bool(CKA.CKA_LOCAL, true)).SetName("CKA_LOCAL is read-only");
        yield return new TestCaseData(Attr.Bool(CKA.CKA_ALWAYS_SENSITIVE, true)).SetName("CKA_ALWAYS_SENSITIVE is read-only");
        yield return new TestCaseData(Attr.Bool(CKA.CKA_NEVER_EXTRACTABLE, true)).SetName("CKA_NEVER_EXTRACTABLE is read-only");
        yield return new TestCaseData(Attr.Bytes(Ck.CKA_UNIQUE_ID, [1, 2, 3, 4])).SetName("CKA_UNIQUE_ID is read-only");
        yield return new TestCaseData(Attr.Bytes(CKA.CKA_VALUE, new byte[32])).SetName("CKA_VALUE of a secret key is read-only");
    }

    [TestCaseSource(nameof(ReadOnlyAttributes))]
    public void Read_only_attribute_returns_CKR_ATTRIBUTE_READ_ONLY(Attr attr)
    {
        ulong h = P11.Create(Session, TestData.AesKey(P11.UniqueLabel("ro-attr"), TestData.Random(32)));
        Assert.That(P11.TrySet(Session, h, attr), Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY), $"C_SetAttributeValue({attr})");
    }

    [Test]
    public void CKA_SENSITIVE_can_become_TRUE_but_never_FALSE_again()
    {
        ulong h = P11.Create(Session, TestData.AesKey(P11.UniqueLabel("sens"), TestData.Random(16), sensitive: false));
        Assert.That(P11.TrySet(Session, h, Attr.Bool(CKA.CKA_SENSITIVE, true)), Is.EqualTo(CKR.CKR_OK), "CKA_SENSITIVE FALSE -> TRUE");
        Assert.That(P11.TryGet(Session, h, CKA.CKA_VALUE, out _), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), "the value is now sensitive");
        Assert.That(P11.TrySet(Session, h, Attr.Bool(CKA.CKA_SENSITIVE, false)), Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY), "CKA_SENSITIVE TRUE -> FALSE");
        Assert.That(P11.GetBool(Session, h, CKA.CKA_SENSITIVE), Is.True, "still sensitive");
    }

    [Test]
    public void CKA_EXTRACTABLE_can_become_FALSE_but_never_TRUE_again()
    {
        ulong h = P11.Create(Session, TestData.AesKey(P11.UniqueLabel("extr"), TestData.Random(16)));
        Assert.That(P11.TrySet(Session, h, Attr.Bool(CKA.CKA_EXTRACTABLE, false)), Is.EqualTo(CKR.CKR_OK), "CKA_EXTRACTABLE TRUE -> FALSE");
        Assert.That(P11.TrySet(Session, h, Attr.Bool(CKA.CKA_EXTRACTABLE, true)), Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY), "CKA_EXTRACTABLE FALSE -> TRUE");
    }

    [Test]
    public void Token_object_in_a_RO_session_returns_CKR_SESSION_READ_ONLY()
    {
        ulong h = P11.Create(Session, TestData.DataObject(P11.UniqueLabel("ro-set"), token: true));
        ulong ro = P11.OpenRo();
        Assert.That(P11.TrySet(ro, h, Attr.Label("x")), Is.EqualTo(CKR.CKR_SESSION_READ_ONLY), "C_SetAttributeValue on a token object in a R/O session");
        ulong mine = P11.Create(ro, TestData.DataObject(P11.UniqueLabel("ro-own")));
        Assert.That(P11.TrySet(ro, mine, Attr.Label(P11.UniqueLabel("renamed"))), Is.EqualTo(CKR.CKR_OK), "a session object can be modified in a R/O session");
        P11.Ok(P11.Destroy(Session, h), "clean-up");
    }

    [Test]
    public void Bad_type_or_value_is_refused()
    {
        ulong h = P11.Create(Session, TestData.DataObject(P11.UniqueLabel("bad")));
        Assert.That(P11.TrySet(Session, h, new Attr(Ck.UnknownAttribute, [1])), Is.EqualTo(CKR.CKR_ATTRIBUTE_TYPE_INVALID), "unknown attribute type");
        Assert.That(P11.TrySet(Session, h, new Attr((ulong)CKA.CKA_MODIFIABLE, [0, 0, 0, 0])), Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID).Or.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY),
            "a 4-byte CK_BBOOL");
    }

    [Test]
    public void Invalid_object_returns_CKR_OBJECT_HANDLE_INVALID()
    {
        Assert.That(P11.TrySet(Session, Ck.InvalidObject, Attr.Label("x")), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID), "C_SetAttributeValue(invalid object)");
    }

    [Test]
    public unsafe void NULL_template_with_a_count_returns_CKR_ARGUMENTS_BAD()
    {
        ulong h = P11.Create(Session, TestData.DataObject(P11.UniqueLabel("null")));
        Assert.That(Module.Raw.C_SetAttributeValue(Session, h, null, 1), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_SetAttributeValue(pTemplate = NULL, ulCount = 1)");
    }
}
