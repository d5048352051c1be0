using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects.Engine;

/// <summary>Checks one value against its encoding (<see cref="AttributeKind"/>) and its object type's
/// length rules; anything else is CKR_ATTRIBUTE_VALUE_INVALID (§4.1.1 item 2).</summary>
internal static class ValueValidator
{
    public static void Check(ObjectSchema schema, CKA type, byte[] value)
    {
        // Only attributes the object's table defines get here (AttributeResolution decides what a
        // template naming any other means), and every table row is a catalog attribute.
        if (!AttributeCatalog.TryGetKind(type, out var kind))
            throw new CkrException(CKR.CKR_GENERAL_ERROR, $"{AttributeCatalog.Name(type)} has a table row but no catalog entry");
        CkrException.ThrowIf(!IsWellFormed(kind, value), CKR.CKR_ATTRIBUTE_VALUE_INVALID,
            $"{AttributeCatalog.Name(type)} is not a valid {kind} ({value.Length} bytes)");
        CkrException.ThrowIf(!schema.AllowsLength(type, value.Length), CKR.CKR_ATTRIBUTE_VALUE_INVALID,
            $"{AttributeCatalog.Name(type)} of {value.Length} bytes is not valid for {schema.Name}");
    }

    /// <summary>The width-neutral encodings: CK_BBOOL one byte 0 or 1, CK_ULONG 8 bytes, CK_DATE empty
    /// or 8 ASCII digits, mechanism lists whole CK_ULONGs, nested templates decodable, big integers
    /// non-empty.</summary>
    public static bool IsWellFormed(AttributeKind kind, ReadOnlySpan<byte> value) => kind switch
    {
        AttributeKind.Bool => value is [0] or [1],
        AttributeKind.ULong => value.Length == 8,
        AttributeKind.Date => value.Length == 0 || (value.Length == 8 && AreDigits(value)),
        AttributeKind.ULongArray => value.Length % 8 == 0,
        AttributeKind.AttributeArray => value.Length == 0 || IsAttributeList(value),
        AttributeKind.BigInteger => value.Length > 0,
        _ => true,
    };

    private static bool AreDigits(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value)
            if (b is < (byte)'0' or > (byte)'9') return false;
        return true;
    }

    private static bool IsAttributeList(ReadOnlySpan<byte> value)
    {
        try
        {
            AttributeCodec.Decode(value);
            return true;
        }
        catch (CkrException)
        {
            return false;
        }
    }
}
