using System.Buffers.Binary;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Attributes;

/// <summary>Typed reads and writes of width-neutral attribute values (see <see cref="AttributeKind"/>).</summary>
public static class AttributeValues
{
    public static byte[] FromBool(bool value) => [value ? (byte)1 : (byte)0];

    public static byte[] FromULong(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>Reads a CK_BBOOL; anything but one byte of 0 or 1 is <c>CKR_ATTRIBUTE_VALUE_INVALID</c>.</summary>
    public static bool ToBool(CKA type, ReadOnlySpan<byte> value)
    {
        if (value.Length != 1 || value[0] > 1)
            throw new CkrException(CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"{AttributeCatalog.Name(type)} is not a CK_BBOOL");
        return value[0] == 1;
    }

    public static ulong ToULong(CKA type, ReadOnlySpan<byte> value)
    {
        if (value.Length != 8)
            throw new CkrException(CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"{AttributeCatalog.Name(type)} is not a CK_ULONG");
        return BinaryPrimitives.ReadUInt64LittleEndian(value);
    }

    public static ulong[] ToULongArray(CKA type, ReadOnlySpan<byte> value)
    {
        if (value.Length % 8 != 0)
            throw new CkrException(CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"{AttributeCatalog.Name(type)} is not a CK_ULONG array");
        var result = new ulong[value.Length / 8];
        for (int i = 0; i < result.Length; i++)
            result[i] = BinaryPrimitives.ReadUInt64LittleEndian(value[(i * 8)..]);
        return result;
    }

    public static byte[] FromULongArray(ReadOnlySpan<ulong> values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        return bytes;
    }
}
