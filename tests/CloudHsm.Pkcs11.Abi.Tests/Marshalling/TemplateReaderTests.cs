using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Abi.Tests.Marshalling;

/// <summary>CK_ATTRIBUTE arrays become width-neutral templates, with the spec's codes for bad input.</summary>
[TestFixture]
public unsafe class TemplateReaderTests
{
    private static CK_ATTRIBUTE Attr(CKA type, void* value, int length) =>
        new() { type = (CK_ATTRIBUTE_TYPE)(uint)type, pValue = value, ulValueLen = (CK_ULONG)length };

    private static CKR Code(Action read) => Assert.Throws<CkrException>(() => read())!.Rv;

    [Test]
    public void ValuesBecomeWidthNeutral()
    {
        using var mem = new NativeBuffer();
        var t = mem.Alloc<CK_ATTRIBUTE>(4);
        var cls = mem.ULong((ulong)CKO.CKO_SECRET_KEY);
        var token = mem.Bytes(1);
        var label = mem.Bytes("k1"u8.ToArray());
        var mechs = mem.Alloc<CK_ULONG>(2);
        mechs[0] = (CK_ULONG)(uint)CKM.CKM_AES_GCM;
        mechs[1] = (CK_ULONG)(uint)CKM.CKM_AES_CBC;
        t[0] = Attr(CKA.CKA_CLASS, cls, sizeof(CK_ULONG));
        t[1] = Attr(CKA.CKA_TOKEN, token, 1);
        t[2] = Attr(CKA.CKA_LABEL, label, 2);
        t[3] = Attr(CKA.CKA_ALLOWED_MECHANISMS, mechs, 2 * sizeof(CK_ULONG));

        var template = TemplateReader.Read(t, 4);

        Assert.That(template.Select(a => a.Type), Is.EqualTo(new[] { CKA.CKA_CLASS, CKA.CKA_TOKEN, CKA.CKA_LABEL, CKA.CKA_ALLOWED_MECHANISMS }));
        Assert.That(AttributeValues.ToULong(CKA.CKA_CLASS, template[0].Value), Is.EqualTo((ulong)CKO.CKO_SECRET_KEY));
        Assert.That(template[1].Value, Is.EqualTo(new byte[] { 1 }));
        Assert.That(template[2].Value, Is.EqualTo("k1"u8.ToArray()));
        Assert.That(AttributeValues.ToULongArray(CKA.CKA_ALLOWED_MECHANISMS, template[3].Value),
            Is.EqualTo(new[] { (ulong)CKM.CKM_AES_GCM, (ulong)CKM.CKM_AES_CBC }));
    }

    [Test]
    public void EmptyTemplateMayBeNull() => Assert.That(TemplateReader.Read(null, 0), Is.Empty);

    [Test]
    public void NullTemplateWithACountIsArgumentsBad() =>
        Assert.That(Code(() => TemplateReader.Read(null, 1)), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD));

    [Test]
    public void NullValueWithALengthIsArgumentsBad()
    {
        using var mem = new NativeBuffer();
        var t = mem.Alloc<CK_ATTRIBUTE>();
        *t = Attr(CKA.CKA_LABEL, null, 4);
        Assert.That(Code(() => TemplateReader.Read(t, 1)), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD));
    }

    [TestCase(CKA.CKA_TOKEN, 4, TestName = "CK_BBOOL of 4 bytes")]
    [TestCase(CKA.CKA_CLASS, 4, TestName = "CK_ULONG of 4 bytes")]
    [TestCase(CKA.CKA_START_DATE, 6, TestName = "CK_DATE of 6 bytes")]
    [TestCase(CKA.CKA_ALLOWED_MECHANISMS, 12, TestName = "CK_ULONG array of 12 bytes")]
    public void WrongSizedValueIsValueInvalid(CKA type, int length)
    {
        using var mem = new NativeBuffer();
        var t = mem.Alloc<CK_ATTRIBUTE>();
        *t = Attr(type, mem.Alloc<byte>(length), length);
        Assert.That(Code(() => TemplateReader.Read(t, 1)), Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID));
    }

    [Test]
    public void UnknownOrOutOfRangeTypeIsTypeInvalid()
    {
        using var mem = new NativeBuffer();
        var t = mem.Alloc<CK_ATTRIBUTE>();
        *t = Attr((CKA)0x7FFF_FFF0, null, 0);
        Assert.That(Code(() => TemplateReader.Read(t, 1)), Is.EqualTo(CKR.CKR_ATTRIBUTE_TYPE_INVALID));
        if (sizeof(CK_ULONG) == 8)
        {
            t->type = unchecked((CK_ULONG)(1UL << 40));
            Assert.That(Code(() => TemplateReader.Read(t, 1)), Is.EqualTo(CKR.CKR_ATTRIBUTE_TYPE_INVALID));
        }
    }

    [Test]
    public void NestedTemplateIsEncodedWithTheAttributeCodec()
    {
        using var mem = new NativeBuffer();
        var nested = mem.Alloc<CK_ATTRIBUTE>(2);
        nested[0] = Attr(CKA.CKA_KEY_TYPE, mem.ULong((ulong)CKK.CKK_AES), sizeof(CK_ULONG));
        nested[1] = Attr(CKA.CKA_EXTRACTABLE, mem.Bytes(0), 1);
        var t = mem.Alloc<CK_ATTRIBUTE>();
        *t = Attr(CKA.CKA_UNWRAP_TEMPLATE, nested, 2 * sizeof(CK_ATTRIBUTE));

        var inner = AttributeCodec.DecodeTemplate(TemplateReader.Read(t, 1)[0].Value);

        Assert.That(inner.Select(a => a.Type), Is.EqualTo(new[] { CKA.CKA_KEY_TYPE, CKA.CKA_EXTRACTABLE }));
        Assert.That(AttributeValues.ToULong(CKA.CKA_KEY_TYPE, inner[0].Value), Is.EqualTo((ulong)CKK.CKK_AES));
    }

    [Test]
    public void TypesOfAGetAttributeValueTemplateFlagOutOfRangeEntries()
    {
        using var mem = new NativeBuffer();
        var t = mem.Alloc<CK_ATTRIBUTE>(2);
        t[0] = Attr(CKA.CKA_LABEL, null, 0);
        t[1].type = sizeof(CK_ULONG) == 8 ? unchecked((CK_ULONG)(1UL << 40)) : (CK_ULONG)0;
        var types = TemplateReader.ReadTypes(t, 2);
        Assert.That(types[0], Is.EqualTo(CKA.CKA_LABEL));
        if (sizeof(CK_ULONG) == 8)
            Assert.That(types[1], Is.Null);
    }
}
