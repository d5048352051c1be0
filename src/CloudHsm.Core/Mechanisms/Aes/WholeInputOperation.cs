using System.Security.Cryptography;

namespace CloudHsm.Core.Mechanisms.Aes;

/// <summary>
/// A cipher that can only work on its whole input at once (GCM with the BCL's one-shot AesGcm, key
/// wrap). Multi-part calls collect the input and write nothing; Final runs the one-shot over all of it.
/// For AEAD decryption this is also what the spec asks (§6.13.3: "no data should be returned until
/// C_Decrypt or C_DecryptFinal"), so nothing is released before the tag has been checked.
/// </summary>
internal abstract class WholeInputOperation(bool usesPrivateObject) : ICipherOperation
{
    private byte[] _buffer = [];
    private int _count;
    private bool _disposed;

    public bool UsesPrivateObject { get; } = usesPrivateObject;

    public abstract int OneShotLength(int inputLength);

    public abstract int OneShot(ReadOnlySpan<byte> input, Span<byte> output);

    public int UpdateLength(int inputLength) => 0;

    public int Update(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (_count + input.Length > _buffer.Length)
        {
            var larger = new byte[Math.Max(_count + input.Length, Math.Min(_buffer.Length * 2, Array.MaxLength))];
            _buffer.AsSpan(0, _count).CopyTo(larger);
            CryptographicOperations.ZeroMemory(_buffer); // plaintext must not linger in dropped buffers
            _buffer = larger;
        }
        input.CopyTo(_buffer.AsSpan(_count));
        _count += input.Length;
        return 0;
    }

    public int FinalLength() => OneShotLength(_count);

    public int Final(Span<byte> output) => OneShot(_buffer.AsSpan(0, _count), output);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        CryptographicOperations.ZeroMemory(_buffer);
        Release();
    }

    /// <summary>Returns what the operation rented; called once.</summary>
    protected virtual void Release()
    {
    }
}
