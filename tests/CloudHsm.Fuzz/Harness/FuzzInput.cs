using System.Buffers.Binary;

namespace CloudHsm.Fuzz.Harness;

/// <summary>
/// Reads a fuzz input front to back. Past its end every read yields zeros or empty spans, so that any
/// byte string is a valid input: AFL's mutations never fail in the harness, only in the code under test.
/// </summary>
internal ref struct FuzzInput(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    public readonly bool IsEmpty => _rest.IsEmpty;

    public readonly int Remaining => _rest.Length;

    public byte Byte()
    {
        if (_rest.IsEmpty) return 0;
        byte b = _rest[0];
        _rest = _rest[1..];
        return b;
    }

    public bool Bool() => (Byte() & 1) != 0;

    public ushort UInt16()
    {
        Span<byte> buffer = stackalloc byte[2];
        Bytes(2).CopyTo(buffer);
        return BinaryPrimitives.ReadUInt16LittleEndian(buffer);
    }

    public ulong UInt64()
    {
        Span<byte> buffer = stackalloc byte[8];
        Bytes(8).CopyTo(buffer);
        return BinaryPrimitives.ReadUInt64LittleEndian(buffer);
    }

    /// <summary>Up to <paramref name="count"/> bytes (fewer at the end of the input).</summary>
    public ReadOnlySpan<byte> Bytes(int count)
    {
        var taken = _rest[..Math.Min(count, _rest.Length)];
        _rest = _rest[taken.Length..];
        return taken;
    }

    /// <summary>A byte string with a 16-bit little-endian length in front (see <see cref="SeedWriter.Prefixed"/>).</summary>
    public ReadOnlySpan<byte> Prefixed() => Bytes(UInt16());

    public ReadOnlySpan<byte> Rest() => Bytes(_rest.Length);
}

/// <summary>Writes inputs in the layout <see cref="FuzzInput"/> reads: the seed corpora are made with it.</summary>
internal sealed class SeedWriter
{
    private readonly List<byte> _bytes = [];

    public SeedWriter Byte(byte value)
    {
        _bytes.Add(value);
        return this;
    }

    public SeedWriter Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public SeedWriter UInt16(int value)
    {
        _bytes.Add((byte)value);
        _bytes.Add((byte)(value >> 8));
        return this;
    }

    public SeedWriter UInt64(ulong value)
    {
        for (int i = 0; i < 8; i++) _bytes.Add((byte)(value >> (8 * i)));
        return this;
    }

    public SeedWriter Bytes(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value) _bytes.Add(b);
        return this;
    }

    public SeedWriter Prefixed(ReadOnlySpan<byte> value) => UInt16(value.Length).Bytes(value);

    public byte[] ToArray() => [.. _bytes];
}
