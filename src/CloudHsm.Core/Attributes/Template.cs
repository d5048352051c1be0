using System.Buffers.Binary;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Attributes;

/// <summary>One attribute of a caller's template, with its value already width-neutral.</summary>
public readonly record struct TemplateAttribute(CKA Type, byte[] Value)
{
    public static TemplateAttribute Bool(CKA type, bool value) => new(type, [value ? (byte)1 : (byte)0]);

    public static TemplateAttribute ULong(CKA type, ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return new(type, bytes);
    }

    public static TemplateAttribute Utf8(CKA type, string value) => new(type, System.Text.Encoding.UTF8.GetBytes(value));
}

/// <summary>
/// An immutable caller template (C_CreateObject, C_FindObjectsInit, C_SetAttributeValue, ...), as
/// read by the boundary: types checked against <see cref="AttributeCatalog"/>, values normalised.
/// Order and duplicates are kept as given; the object engine decides what a duplicate means.
/// </summary>
public sealed class Template : IReadOnlyList<TemplateAttribute>
{
    private readonly TemplateAttribute[] _items;

    public static readonly Template Empty = new([]);

    public Template(IEnumerable<TemplateAttribute> items) => _items = items.ToArray();

    public int Count => _items.Length;

    public TemplateAttribute this[int index] => _items[index];

    public bool Contains(CKA type) => Array.Exists(_items, a => a.Type == type);

    /// <summary>The value of the last occurrence of <paramref name="type"/>, or null.</summary>
    public byte[]? Find(CKA type)
    {
        for (int i = _items.Length - 1; i >= 0; i--)
            if (_items[i].Type == type) return _items[i].Value;
        return null;
    }

    public IEnumerator<TemplateAttribute> GetEnumerator() => ((IEnumerable<TemplateAttribute>)_items).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _items.GetEnumerator();
}
