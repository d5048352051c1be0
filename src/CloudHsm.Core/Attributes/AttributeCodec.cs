using System.Buffers.Binary;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Attributes;

/// <summary>
/// The one serialisation of an attribute list: the store's plaintext before sealing, and the value of
/// nested-template attributes (CKA_WRAP_TEMPLATE). Width- and endian-neutral:
/// <c>count:u32le, then per attribute type:u32le length:u32le value[length]</c>.
/// </summary>
public static class AttributeCodec
{
    public static byte[] Encode(IEnumerable<KeyValuePair<CKA, byte[]>> attributes)
    {
        var list = attributes.ToList();
        int size = 4 + list.Sum(a => 8 + a.Value.Length);
        var buffer = new byte[size];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)list.Count);
        int offset = 4;
        foreach (var (type, value) in list)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[offset..], (uint)type);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(offset + 4)..], (uint)value.Length);
            value.CopyTo(span[(offset + 8)..]);
            offset += 8 + value.Length;
        }
        return buffer;
    }

    public static byte[] Encode(Template template) =>
        Encode(template.Select(a => new KeyValuePair<CKA, byte[]>(a.Type, a.Value)));

    /// <summary>Decodes what <see cref="Encode(IEnumerable{KeyValuePair{CKA, byte[]}})"/> wrote; a malformed input is
    /// <c>CKR_ATTRIBUTE_VALUE_INVALID</c> (templates) — the store maps it to its own error.</summary>
    public static List<KeyValuePair<CKA, byte[]>> Decode(ReadOnlySpan<byte> data)
    {
        CkrException.ThrowIf(data.Length < 4, CKR.CKR_ATTRIBUTE_VALUE_INVALID, "attribute list truncated");
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(data);
        var result = new List<KeyValuePair<CKA, byte[]>>((int)Math.Min(count, 1024));
        int offset = 4;
        for (uint i = 0; i < count; i++)
        {
            CkrException.ThrowIf(data.Length - offset < 8, CKR.CKR_ATTRIBUTE_VALUE_INVALID, "attribute list truncated");
            var type = (CKA)BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(data[(offset + 4)..]);
            offset += 8;
            CkrException.ThrowIf(length > (uint)(data.Length - offset), CKR.CKR_ATTRIBUTE_VALUE_INVALID, "attribute list truncated");
            result.Add(new(type, data.Slice(offset, (int)length).ToArray()));
            offset += (int)length;
        }
        CkrException.ThrowIf(offset != data.Length, CKR.CKR_ATTRIBUTE_VALUE_INVALID, "trailing bytes after attribute list");
        return result;
    }

    public static Template DecodeTemplate(ReadOnlySpan<byte> data) =>
        new(Decode(data).Select(a => new TemplateAttribute(a.Key, a.Value)));
}
