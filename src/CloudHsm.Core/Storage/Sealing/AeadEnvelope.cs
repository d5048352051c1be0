using System.Security.Cryptography;

namespace CloudHsm.Core.Storage.Sealing;

/// <summary>
/// AES-256-GCM with a random 12-byte nonce, laid out as <c>nonce || ciphertext || tag</c>: the one
/// encryption primitive of the scheme, used for the wrapped token key and for sealed object parts.
/// </summary>
internal static class AeadEnvelope
{
    public const int Overhead = StorageScheme.NonceSize + StorageScheme.TagSize;

    /// <summary>Encrypts into <paramref name="destination"/>, which is exactly <c>plaintext.Length + Overhead</c> bytes.</summary>
    public static void Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> aad, Span<byte> destination)
    {
        if (destination.Length != plaintext.Length + Overhead)
            throw new ArgumentException("destination must be plaintext + 28 bytes", nameof(destination));
        Span<byte> nonce = destination[..StorageScheme.NonceSize];
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(key, StorageScheme.TagSize);
        gcm.Encrypt(nonce, plaintext,
            destination.Slice(StorageScheme.NonceSize, plaintext.Length),
            destination.Slice(StorageScheme.NonceSize + plaintext.Length, StorageScheme.TagSize),
            aad);
    }

    /// <summary>Decrypts an envelope into <paramref name="plaintext"/> (exactly <c>envelope.Length - Overhead</c>
    /// bytes); false, with <paramref name="plaintext"/> zeroed, when authentication fails.</summary>
    public static bool TryOpen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> envelope, ReadOnlySpan<byte> aad, Span<byte> plaintext)
    {
        if (envelope.Length < Overhead || plaintext.Length != envelope.Length - Overhead) return false;
        int length = plaintext.Length;
        using var gcm = new AesGcm(key, StorageScheme.TagSize);
        try
        {
            gcm.Decrypt(
                envelope[..StorageScheme.NonceSize],
                envelope.Slice(StorageScheme.NonceSize, length),
                envelope.Slice(StorageScheme.NonceSize + length, StorageScheme.TagSize),
                plaintext,
                aad);
            return true;
        }
        catch (CryptographicException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
    }
}
