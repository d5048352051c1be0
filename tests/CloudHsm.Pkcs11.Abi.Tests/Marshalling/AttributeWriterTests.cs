using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Abi.Tests.Marshalling;

/// <summary>C_GetAttributeValue's per-attribute rules and the order of its error codes.</summary>
[TestFixture]
public unsafe class AttributeWriterTests
{
    private static readonly CK_ULONG Unavailable = CkLayout.UnavailableInformation;

    private static AttributeRead Ok(CKA type, byte[] value) => new(type, AttributeReadStatus.Ok, value);

    private static CK_ATTRIBUTE Query(CKA type, void* value = null, int length = 0) =>
        new() { type = (CK_ATTRIBUTE_TYPE)(uint)type, pValue = value, ulValueLen = (CK_ULONG)length };

    [Test]
    public void NullValueAsksForTheNativeLength()
    {
        var t = new[] { Query(CKA.CKA_CLASS), Query(CKA.CKA_LABEL), Query(CKA.CKA_ALLOWED_MECHANISMS) };
        var rv = AttributeWriter.Write(t, new AttributeRead?[]
        {
            Ok(CKA.CKA_CLASS, AttributeValues.FromULong(4)),
            Ok(CKA.CKA_LABEL, "abc"u8.ToArray()),
            Ok(CKA.CKA_ALLOWED_MECHANISMS, AttributeValues.FromULongArray([1, 2, 3])),
        });
        Assert.That(rv, Is.EqualTo(CKR.CKR_OK));
        Assert.That(t.Select(a => (int)a.ulValueLen), Is.EqualTo(new[] { sizeof(CK_ULONG), 3, 3 * sizeof(CK_ULONG) }));
    }

    [Test]
    public void ValuesAreWrittenAtNativeWidth()
    {
        using var mem = new NativeBuffer();
        var cls = mem.Alloc<CK_ULONG>();
        var t = new[] { Query(CKA.CKA_CLASS, cls, sizeof(CK_ULONG) + 5) };
        Assert.That(AttributeWriter.Write(t, new AttributeRead?[] { Ok(CKA.CKA_CLASS, AttributeValues.FromULong(3)) }), Is.EqualTo(CKR.CKR_OK));
        Assert.That((ulong)*cls, Is.EqualTo(3));
        Assert.That((int)t[0].ulValueLen, Is.EqualTo(sizeof(CK_ULONG)));
    }

    [Test]
    public void EveryAttributeIsProcessedAndSensitiveWinsOverTypeInvalidOverBufferTooSmall()
    {
        using var mem = new NativeBuffer();
        var small = mem.Alloc<byte>(1);
        var label = mem.Alloc<byte>(8);
        var t = new[]
        {
            Query(CKA.CKA_ID, small, 1),
            Query(CKA.CKA_MODULUS),
            Query(CKA.CKA_VALUE),
            Query(CKA.CKA_LABEL, label, 8),
        };
        var rv = AttributeWriter.Write(t, new AttributeRead?[]
        {
            Ok(CKA.CKA_ID, [1, 2, 3]),
            new AttributeRead(CKA.CKA_MODULUS, AttributeReadStatus.TypeInvalid, null),
            new AttributeRead(CKA.CKA_VALUE, AttributeReadStatus.Sensitive, null),
            Ok(CKA.CKA_LABEL, "ok"u8.ToArray()),
        });
        Assert.That(rv, Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE));
        Assert.That(t.Take(3).Select(a => a.ulValueLen), Is.All.EqualTo(Unavailable));
        Assert.That((int)t[3].ulValueLen, Is.EqualTo(2), "later attributes are still answered");

        t[2] = Query(CKA.CKA_VALUE);
        Assert.That(AttributeWriter.Write(t, new AttributeRead?[] { Ok(CKA.CKA_ID, [1, 2, 3]), new AttributeRead(CKA.CKA_MODULUS, AttributeReadStatus.TypeInvalid, null), Ok(CKA.CKA_VALUE, [9]), Ok(CKA.CKA_LABEL, [1]) }),
            Is.EqualTo(CKR.CKR_ATTRIBUTE_TYPE_INVALID));
        t[0] = Query(CKA.CKA_ID, small, 1);
        Assert.That(AttributeWriter.Write(t, new AttributeRead?[] { Ok(CKA.CKA_ID, [1, 2, 3]), Ok(CKA.CKA_MODULUS, [1]), Ok(CKA.CKA_VALUE, [9]), Ok(CKA.CKA_LABEL, [1]) }),
            Is.EqualTo(CKR.CKR_BUFFER_TOO_SMALL));
        Assert.That(t[0].ulValueLen, Is.EqualTo(Unavailable));
    }

    [Test]
    public void NotACkaAtAllIsTypeInvalid()
    {
        var t = new[] { Query(CKA.CKA_LABEL) };
        Assert.That(AttributeWriter.Write(t, new AttributeRead?[] { null }), Is.EqualTo(CKR.CKR_ATTRIBUTE_TYPE_INVALID));
        Assert.That(t[0].ulValueLen, Is.EqualTo(Unavailable));
    }

    /// <summary>Pkcs11Interop reads CKA_WRAP_TEMPLATE in three calls (HighLevelAPI Session.GetAttributeValue).</summary>
    [Test]
    public void NestedTemplateSupportsPkcs11InteropsThreeCalls()
    {
        var nested = AttributeCodec.Encode(new Template([
            TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)CKK.CKK_AES),
            TemplateAttribute.Utf8(CKA.CKA_LABEL, "wrapped"),
        ]));
        AttributeRead?[] answer = [Ok(CKA.CKA_WRAP_TEMPLATE, nested)];
        using var mem = new NativeBuffer();

        // 1: the array's size in bytes
        var t = new[] { Query(CKA.CKA_WRAP_TEMPLATE) };
        Assert.That(AttributeWriter.Write(t, answer), Is.EqualTo(CKR.CKR_OK));
        Assert.That((int)t[0].ulValueLen, Is.EqualTo(2 * sizeof(CK_ATTRIBUTE)));

        // 2: a zeroed array: each entry's type and length
        var entries = mem.Alloc<CK_ATTRIBUTE>(2);
        t[0] = Query(CKA.CKA_WRAP_TEMPLATE, entries, 2 * sizeof(CK_ATTRIBUTE));
        Assert.That(AttributeWriter.Write(t, answer), Is.EqualTo(CKR.CKR_OK));
        Assert.That(((ulong)entries[0].type, (int)entries[0].ulValueLen), Is.EqualTo(((ulong)CKA.CKA_KEY_TYPE, sizeof(CK_ULONG))));
        Assert.That(((ulong)entries[1].type, (int)entries[1].ulValueLen), Is.EqualTo(((ulong)CKA.CKA_LABEL, 7)));

        // 3: buffers for each entry: the values, CK_ULONG at native width
        entries[0].pValue = mem.Alloc<CK_ULONG>();
        entries[1].pValue = mem.Alloc<byte>(7);
        Assert.That(AttributeWriter.Write(t, answer), Is.EqualTo(CKR.CKR_OK));
        Assert.That((ulong)*(CK_ULONG*)entries[0].pValue, Is.EqualTo((ulong)CKK.CKK_AES));
        Assert.That(new ReadOnlySpan<byte>(entries[1].pValue, 7).ToArray(), Is.EqualTo("wrapped"u8.ToArray()));
    }
}
