using System.Text;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_GetAttributeValue (spec 5.7): the five per-attribute cases, all attributes processed.</summary>
public sealed class _17_GetAttributeValueTest : RwUserSessionFixture
{
    private CKR Read(ulong obj, NativeTemplate t) => Module.Low.C_GetAttributeValue(Session, obj, t.Attributes, t.Count);

    [Test]
    public void NULL_pValue_returns_the_exact_length_then_the_value()
    {
        string label = P11.UniqueLabel("len");
        ulong h = P11.Create(Session, TestData.DataObject(label));
        using var t = NativeTemplate.ForRead(CKA.CKA_LABEL, CKA.CKA_CLASS, CKA.CKA_TOKEN);
        Assert.That(Read(h, t), Is.EqualTo(CKR.CKR_OK), "size query");
        Assert.That(t.Attributes.Select(a => a.valueLen), Is.EqualTo(new[] { (ulong)Encoding.UTF8.GetByteCount(label), 8UL, 1UL }),
            "exact lengths: label bytes, CK_ULONG (8), CK_BBOOL (1)");
        for (int i = 0; i < 3; i++) t.Allocate(i, (int)t.Attributes[i].valueLen);
        Assert.That(Read(h, t), Is.EqualTo(CKR.CKR_OK), "read");
        Assert.That(Encoding.UTF8.GetString(t.ValueOf(0)), Is.EqualTo(label));
        Assert.That(BitConverter.ToUInt64(t.ValueOf(1)), Is.EqualTo((ulong)CKO.CKO_DATA));
        Assert.That(t.ValueOf(2), Is.EqualTo(new byte[] { 0 }));
    }

    [Test]
    public void Larger_buffer_gets_the_exact_length()
    {
        ulong h = P11.Create(Session, TestData.DataObject("abc"));
        using var t = NativeTemplate.ForRead([(ulong)CKA.CKA_LABEL], 64);
        Assert.That(Read(h, t), Is.EqualTo(CKR.CKR_OK));
        Assert.That(t.Attributes[0].valueLen, Is.EqualTo(3UL), "ulValueLen is the attribute's length, not the buffer's");
        Assert.That(t.ValueOf(0), Is.EqualTo("abc"u8.ToArray()));
    }

    [Test]
    public void Too_small_buffer_returns_CKR_BUFFER_TOO_SMALL_with_unavailable_length()
    {
        ulong h = P11.Create(Session, TestData.DataObject(P11.UniqueLabel("a-rather-long-label")));
        using var t = NativeTemplate.ForRead([(ulong)CKA.CKA_LABEL], 4);
        Assert.That(Read(h, t), Is.EqualTo(CKR.CKR_BUFFER_TOO_SMALL), "C_GetAttributeValue with a 4-byte buffer");
        Assert.That(t.Attributes[0].valueLen, Is.EqualTo(Ck.UnavailableInformation), "ulValueLen = CK_UNAVAILABLE_INFORMATION (case 5)");
    }

    [Test]
    public void Sensitive_value_returns_CKR_ATTRIBUTE_SENSITIVE_with_unavailable_length()
    {
        ulong h = P11.Create(Session, TestData.AesKey(P11.UniqueLabel("sensitive"), TestData.Random(32), sensitive: true));
        using var t = NativeTemplate.ForRead([(ulong)CKA.CKA_VALUE], 0);
        Assert.That(Read(h, t), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), "C_GetAttributeValue(CKA_VALUE) of a sensitive key, size query");
        Assert.That(t.Attributes[0].valueLen, Is.EqualTo(Ck.UnavailableInformation), "ulValueLen = CK_UNAVAILABLE_INFORMATION (case 1)");
        t.Allocate(0, 64);
        Assert.That(Read(h, t), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), "C_GetAttributeValue(CKA_VALUE) of a sensitive key, with a buffer");
        Assert.That(t.Attributes[0].valueLen, Is.EqualTo(Ck.UnavailableInformation));
        Assert.That(t.ValueOf(0), Is.Empty.Or.All.EqualTo((byte)0));
    }

    [Test]
    public void Unextractable_value_returns_CKR_ATTRIBUTE_SENSITIVE()
    {
        ulong h = P11.Create(Session, TestData.AesKey(P11.UniqueLabel("unextractable"), TestData.Random(16), sensitive: false, extractable: false));
        Assert.That(P11.TryGet(Session, h, CKA.CKA_VALUE, out _), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), "CKA_VALUE of a CKA_EXTRACTABLE = FALSE key");
    }

    [Test]
    public void Private_key_components_are_sensitive_but_public_ones_readable()
    {
        var p = TestData.RsaKey;
        ulong h = P11.Create(Session, TestData.RsaPrivateKey(P11.UniqueLabel("rsa"), p, sensitive: true));
        Assert.That(P11.TryGet(Session, h, CKA.CKA_PRIVATE_EXPONENT, out _), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), "CKA_PRIVATE_EXPONENT");
        Assert.That(P11.TryGet(Session, h, CKA.CKA_PRIME_1, out _), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), "CKA_PRIME_1");
        Assert.That(P11.Get(Session, h, CKA.CKA_MODULUS), Is.EqualTo(p.Modulus), "CKA_MODULUS stays readable");
        ulong ec = P11.Create(Session, TestData.EcPrivateKey(P11.UniqueLabel("ec"), TestData.EcKey, sensitive: true));
        Assert.That(P11.TryGet(Session, ec, CKA.CKA_VALUE, out _), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), "EC CKA_VALUE");
    }

    [Test]
    public void Attribute_the_object_lacks_returns_CKR_ATTRIBUTE_TYPE_INVALID_with_unavailable_length()
    {
        ulong h = P11.Create(Session, TestData.DataObject(P11.UniqueLabel("lacks")));
        using var t = NativeTemplate.ForRead([(ulong)CKA.CKA_MODULUS], 0);
        Assert.That(Read(h, t), Is.EqualTo(CKR.CKR_ATTRIBUTE_TYPE_INVALID), "CKA_MODULUS of a data object");
        Assert.That(t.Attributes[0].valueLen, Is.EqualTo(Ck.UnavailableInformation), "ulValueLen = CK_UNAVAILABLE_INFORMATION (case 2)");
        using var u = NativeTemplate.ForRead([Ck.UnknownAttribute], 0);
        Assert.That(Read(h, u), Is.EqualTo(CKR.CKR_ATTRIBUTE_TYPE_INVALID), "a vendor attribute nobody defines");
    }

    [Test]
    public void Every_attribute_is_processed_even_when_some_fail()
    {
        string label = P11.UniqueLabel("mixed");
        ulong h = P11.Create(Session, TestData.AesKey(label, TestData.Random(16), sensitive: true));
        using var t = new NativeTemplate(
        [
            new Attr((ulong)CKA.CKA_VALUE, new byte[32]),      // sensitive
            new Attr((ulong)CKA.CKA_LABEL, new byte[200]),     // fits
            new Attr((ulong)CKA.CKA_MODULUS, new byte[8]),     // not an attribute of an AES key
            new Attr((ulong)CKA.CKA_KEY_TYPE, new byte[8]),    // fits
            new Attr((ulong)CKA.CKA_ID, null),                 // size query
        ]);
        CKR rv = Read(h, t);
        Assert.That(rv, Is.AnyOf(CKR.CKR_ATTRIBUTE_SENSITIVE, CKR.CKR_ATTRIBUTE_TYPE_INVALID), "one of the applicable codes");
        Assert.That(t.Attributes[0].valueLen, Is.EqualTo(Ck.UnavailableInformation), "CKA_VALUE: unavailable");
        Assert.That(Encoding.UTF8.GetString(t.ValueOf(1)), Is.EqualTo(label), "CKA_LABEL was still returned");
        Assert.That(t.Attributes[2].valueLen, Is.EqualTo(Ck.UnavailableInformation), "CKA_MODULUS: unavailable");
        Assert.That(BitConverter.ToUInt64(t.ValueOf(3)), Is.EqualTo((ulong)CKK.CKK_AES), "CKA_KEY_TYPE was still returned");
        Assert.That(t.Attributes[4].valueLen, Is.Zero, "CKA_ID (empty by default): its length, 0");
    }

    [Test]
    public void Invalid_handles_return_CKR_OBJECT_HANDLE_INVALID_or_CKR_SESSION_HANDLE_INVALID()
    {
        ulong h = P11.Create(Session, TestData.DataObject(P11.UniqueLabel("h")));
        Assert.That(P11.TryGet(Session, Ck.InvalidObject, CKA.CKA_LABEL, out _), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID), "invalid object");
        Assert.That(P11.TryGet(Ck.InvalidSession, h, CKA.CKA_LABEL, out _), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "invalid session");
    }

    [Test]
    public unsafe void NULL_template_with_a_count_returns_CKR_ARGUMENTS_BAD()
    {
        ulong h = P11.Create(Session, TestData.DataObject(P11.UniqueLabel("null")));
        Assert.That(Module.Raw.C_GetAttributeValue(Session, h, null, 1), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_GetAttributeValue(pTemplate = NULL, ulCount = 1)");
    }
}
