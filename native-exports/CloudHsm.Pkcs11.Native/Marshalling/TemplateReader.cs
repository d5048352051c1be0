using System.Runtime.InteropServices;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Marshalling;

/// <summary>
/// CK_ATTRIBUTE arrays to <see cref="Template"/> (STYLE 6.7): each type checked against
/// <see cref="AttributeCatalog"/>, each value copied out of caller memory and made width-neutral
/// (CK_ULONG → 8 bytes little-endian, CK_ULONG arrays likewise, nested CK_ATTRIBUTE arrays →
/// <see cref="AttributeCodec"/>), so nothing native-width reaches the core.
/// </summary>
internal static unsafe class TemplateReader
{
    public static Template Read(CK_ATTRIBUTE* pTemplate, CK_ULONG ulCount) => Read(pTemplate, ulCount, nested: false);

    /// <summary>The attribute types of a C_GetAttributeValue template, in order; a type wider than 32 bits
    /// cannot be a CKA and comes back null (that entry is CKR_ATTRIBUTE_TYPE_INVALID).</summary>
    public static CKA?[] ReadTypes(CK_ATTRIBUTE* pTemplate, CK_ULONG ulCount)
    {
        var entries = Entries(pTemplate, ulCount);
        var types = new CKA?[entries.Length];
        for (int i = 0; i < entries.Length; i++)
            types[i] = (ulong)entries[i].type <= uint.MaxValue ? (CKA)(uint)entries[i].type : null;
        return types;
    }

    /// <summary>The caller's array as a span; NULL with a non-zero count is CKR_ARGUMENTS_BAD.</summary>
    public static Span<CK_ATTRIBUTE> Entries(CK_ATTRIBUTE* pTemplate, CK_ULONG ulCount)
    {
        int count = NativeIn.Length(ulCount);
        if (count == 0)
            return [];
        if (pTemplate == null)
            throw new CkrException(CKR.CKR_ARGUMENTS_BAD, "template is NULL but its count is not 0");
        return new Span<CK_ATTRIBUTE>(pTemplate, count);
    }

    private static Template Read(CK_ATTRIBUTE* pTemplate, CK_ULONG ulCount, bool nested)
    {
        var entries = Entries(pTemplate, ulCount);
        if (entries.IsEmpty)
            return Template.Empty;
        var attributes = new TemplateAttribute[entries.Length];
        for (int i = 0; i < entries.Length; i++)
            attributes[i] = ReadOne(entries[i], nested);
        return new Template(attributes);
    }

    private static TemplateAttribute ReadOne(in CK_ATTRIBUTE a, bool nested)
    {
        if ((ulong)a.type > uint.MaxValue)
            throw new CkrException(CKR.CKR_ATTRIBUTE_TYPE_INVALID, $"attribute type 0x{(ulong)a.type:X} is out of range");
        var type = (CKA)(uint)a.type;
        if (!AttributeCatalog.TryGetKind(type, out var kind))
            throw new CkrException(CKR.CKR_ATTRIBUTE_TYPE_INVALID, $"unknown attribute {AttributeCatalog.Name(type)}");
        var raw = NativeIn.Bytes((byte*)a.pValue, a.ulValueLen);
        return new TemplateAttribute(type, kind switch
        {
            AttributeKind.Bool => ExactLength(type, raw, sizeof(CK_BBOOL)).ToArray(),
            AttributeKind.ULong => AttributeValues.FromULong(ReadULong(ExactLength(type, raw, sizeof(CK_ULONG)))),
            AttributeKind.ULongArray => ReadULongArray(type, raw),
            AttributeKind.Date when raw.Length is not (0 or 8) => throw Invalid(type, "a CK_DATE is 8 bytes or empty"),
            AttributeKind.AttributeArray => ReadNested(type, a, nested),
            _ => raw.ToArray(),
        });
    }

    private static ReadOnlySpan<byte> ExactLength(CKA type, ReadOnlySpan<byte> raw, int length) =>
        raw.Length == length ? raw : throw Invalid(type, $"value must be {length} bytes, not {raw.Length}");

    /// <summary>Caller memory need not be aligned, hence an unaligned read.</summary>
    private static ulong ReadULong(ReadOnlySpan<byte> raw) => MemoryMarshal.Read<CK_ULONG>(raw);

    private static byte[] ReadULongArray(CKA type, ReadOnlySpan<byte> raw)
    {
        if (raw.Length % sizeof(CK_ULONG) != 0)
            throw Invalid(type, $"{raw.Length} bytes is not a whole number of CK_ULONGs");
        var values = new ulong[raw.Length / sizeof(CK_ULONG)];
        for (int i = 0; i < values.Length; i++)
            values[i] = ReadULong(raw.Slice(i * sizeof(CK_ULONG), sizeof(CK_ULONG)));
        return AttributeValues.FromULongArray(values);
    }

    /// <summary>CKA_WRAP_TEMPLATE and friends hold a CK_ATTRIBUTE array; ulValueLen counts its bytes.
    /// Templates nest one level only: a template inside a nested template is refused.</summary>
    private static byte[] ReadNested(CKA type, in CK_ATTRIBUTE a, bool nested)
    {
        if (nested)
            throw Invalid(type, "attribute templates nest one level only");
        if ((ulong)a.ulValueLen % (ulong)sizeof(CK_ATTRIBUTE) != 0)
            throw Invalid(type, "value is not a whole number of CK_ATTRIBUTEs");
        var count = (CK_ULONG)((ulong)a.ulValueLen / (ulong)sizeof(CK_ATTRIBUTE));
        return AttributeCodec.Encode(Read((CK_ATTRIBUTE*)a.pValue, count, nested: true));
    }

    private static CkrException Invalid(CKA type, string why) =>
        new(CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"{AttributeCatalog.Name(type)}: {why}");
}
