namespace CloudHsm.Core.Mechanisms.Mac;

/// <summary>A keyed MAC in progress: the incremental form, used for multi-part signing and as a KDF's PRF.</summary>
internal interface IMacFunction : IDisposable
{
    void Update(ReadOnlySpan<byte> data);

    /// <summary>Writes the full MAC (<see cref="MacAlgorithm.MacLength"/> bytes) and starts over with the same key.</summary>
    void Final(Span<byte> mac);
}

/// <summary>
/// One MAC algorithm (HMAC over a hash, AES-CMAC): what the sign mechanisms and the KDFs' PRFs share.
/// The key is the caller's span, never kept beyond the function made from it.
/// </summary>
internal abstract class MacAlgorithm(string name, int macLength)
{
    /// <summary>The largest MAC of any algorithm here (HMAC-SHA-512): the size of stack buffers.</summary>
    public const int MaxMacLength = 64;

    public string Name { get; } = name;

    /// <summary>The full (untruncated) MAC length in bytes.</summary>
    public int MacLength { get; } = macLength;

    public abstract IMacFunction Create(ReadOnlySpan<byte> key);

    /// <summary>The MAC of <paramref name="data"/> in one call; <paramref name="mac"/> is at least
    /// <see cref="MacLength"/>. Overridden where the platform has a one-shot that allocates nothing.</summary>
    public virtual void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> mac)
    {
        using var function = Create(key);
        function.Update(data);
        function.Final(mac);
    }

    /// <summary>Whether <see cref="Create"/>'s functions are worth keeping per key
    /// (<see cref="MacKey"/>): true where keying costs more than a short message's MAC.</summary>
    public virtual bool Poolable => false;

    public override string ToString() => Name;
}
