using System.Security.Cryptography;

namespace CloudHsm.Core.Mechanisms.Mac;

/// <summary>C_Sign / C_SignUpdate / C_SignFinal with a MAC, truncated to <paramref name="length"/> bytes.</summary>
internal sealed class MacSigner(MacAlgorithm algorithm, ReadOnlyMemory<byte> key, int length, bool usesPrivateObject,
    Aes.InstancePool<IMacFunction>? pool = null) : ISignOperation
{
    private readonly MacComputation _mac = new(algorithm, key, pool);

    public int SignatureLength => length;

    public bool UsesPrivateObject => usesPrivateObject;

    public void Update(ReadOnlySpan<byte> part) => _mac.Update(part);

    public int Final(Span<byte> signature) => Sign(default, signature, oneShot: false);

    public int Sign(ReadOnlySpan<byte> data, Span<byte> signature) => Sign(data, signature, oneShot: true);

    private int Sign(ReadOnlySpan<byte> data, Span<byte> signature, bool oneShot)
    {
        // The full MAC goes straight to the caller's buffer when it fits; a truncated one goes through the stack.
        if (length == _mac.MacLength && signature.Length >= length)
        {
            Compute(data, signature, oneShot);
            return length;
        }
        Span<byte> full = stackalloc byte[MacAlgorithm.MaxMacLength];
        full = full[.._mac.MacLength];
        Compute(data, full, oneShot);
        full[..length].CopyTo(signature);
        CryptographicOperations.ZeroMemory(full);
        return length;
    }

    private void Compute(ReadOnlySpan<byte> data, Span<byte> mac, bool oneShot)
    {
        if (oneShot)
            _mac.Compute(data, mac);
        else
            _mac.Final(mac);
    }

    public void Dispose() => _mac.Dispose();
}
