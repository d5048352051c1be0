using System.Formats.Asn1;

namespace CloudHsm.Core.Mechanisms.Wrapping.Pkcs8;

/// <summary>
/// Big-endian unsigned integers (CKA_MODULUS, CKA_VALUE of EC keys …) to and from ASN.1 INTEGERs. Key
/// attributes may carry leading zero bytes, which DER forbids; INTEGERs may carry a sign byte, which
/// attributes do not.
/// </summary>
internal static class UnsignedIntegers
{
    public static void Write(AsnWriter writer, ReadOnlySpan<byte> value)
    {
        var trimmed = TrimLeadingZeros(value);
        if (trimmed.IsEmpty) writer.WriteInteger(0);
        else writer.WriteIntegerUnsigned(trimmed);
    }

    /// <summary>The INTEGER's magnitude; a negative value is not a key component.</summary>
    public static byte[] Read(AsnReader reader)
    {
        var bytes = reader.ReadIntegerBytes().Span;
        if (bytes.Length > 0 && bytes[0] >= 0x80) throw new AsnContentException("negative key component");
        var trimmed = TrimLeadingZeros(bytes);
        return trimmed.IsEmpty ? [0] : trimmed.ToArray();
    }

    /// <summary>The value left-padded with zeros to <paramref name="length"/> (when shorter): the fixed
    /// widths the BCL's key parameters, and keys generated here, use.</summary>
    public static byte[] PadTo(byte[] value, int length)
    {
        if (value.Length >= length) return value;
        var padded = new byte[length];
        value.CopyTo(padded, length - value.Length);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(value);
        return padded;
    }

    public static ReadOnlySpan<byte> TrimLeadingZeros(ReadOnlySpan<byte> value)
    {
        int i = 0;
        while (i < value.Length && value[i] == 0) i++;
        return value[i..];
    }
}
