using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Storage.Sealing;

/// <summary>
/// PIN → PBKDF2-HMAC-SHA256 → (KEK, verifier), and the token key wrapped under the KEK
/// (docs/storage-encryption.md §4). One slow derivation per call; every temporary is zeroed.
/// </summary>
public static class PinKeyDerivation
{
    /// <summary>
    /// Derives the 32-byte KEK and the 32-byte verifier of <paramref name="pin"/>:
    /// <c>master = PBKDF2-HMAC-SHA256(pin, salt, iterations, 32)</c>, then HKDF-Expand-SHA256 of master
    /// with the labels "cloudhsm pin kek v1" and "cloudhsm pin verifier v1".
    /// </summary>
    public static void DeriveKeys(ReadOnlySpan<byte> pin, ReadOnlySpan<byte> salt, int iterations, Span<byte> kek, Span<byte> verifier)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, StorageScheme.MinIterations);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, StorageScheme.MaxIterations);
        if (kek.Length != StorageScheme.KeySize) throw new ArgumentException("a KEK is 32 bytes", nameof(kek));
        if (verifier.Length != StorageScheme.KeySize) throw new ArgumentException("a verifier is 32 bytes", nameof(verifier));

        Span<byte> master = stackalloc byte[StorageScheme.KeySize];
        try
        {
            Rfc2898DeriveBytes.Pbkdf2(pin, salt, master, iterations, HashAlgorithmName.SHA256);
            HKDF.Expand(HashAlgorithmName.SHA256, master, kek, StorageScheme.PinKekLabel);
            HKDF.Expand(HashAlgorithmName.SHA256, master, verifier, StorageScheme.PinVerifierLabel);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(master);
        }
    }

    /// <summary>
    /// A new PIN record for <paramref name="pin"/> (fresh salt and nonce) wrapping <paramref name="tokenKey"/>:
    /// C_InitToken (SO PIN, new token key), C_InitPIN (user PIN, the key the SO's login yielded) and
    /// C_SetPIN (the key the old PIN yielded).
    /// </summary>
    public static PinRecord CreatePinRecord(ReadOnlySpan<byte> pin, ReadOnlySpan<byte> tokenKey, string serial, int iterations)
    {
        StorageScheme.CheckTokenKey(tokenKey, nameof(tokenKey));
        ArgumentNullException.ThrowIfNull(serial);

        byte[] salt = RandomNumberGenerator.GetBytes(StorageScheme.SaltSize);
        byte[] verifier = new byte[StorageScheme.KeySize];
        Span<byte> kek = stackalloc byte[StorageScheme.KeySize];
        try
        {
            DeriveKeys(pin, salt, iterations, kek, verifier);
            byte[] wrapped = new byte[StorageScheme.WrappedTokenKeySize];
            AeadEnvelope.Seal(kek, tokenKey, TokenKeyAad(serial), wrapped);
            return new PinRecord(salt, iterations, verifier, wrapped);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <summary>
    /// C_Login: checks <paramref name="pin"/> against <paramref name="record"/> and, when it matches, unwraps
    /// the token key into a new array the caller owns (and zeroes). False for a wrong PIN.
    /// A record that is malformed, or whose wrapped key fails authentication although the PIN matched
    /// (tampering, a record copied from another token), is <c>CKR_DEVICE_ERROR</c>.
    /// </summary>
    public static bool TryUnlock(PinRecord record, ReadOnlySpan<byte> pin, string serial, [NotNullWhen(true)] out byte[]? tokenKey)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(serial);
        CheckShape(record);

        tokenKey = null;
        Span<byte> kek = stackalloc byte[StorageScheme.KeySize];
        Span<byte> verifier = stackalloc byte[StorageScheme.KeySize];
        try
        {
            DeriveKeys(pin, record.Salt, record.Iterations, kek, verifier);
            if (!CryptographicOperations.FixedTimeEquals(verifier, record.Verifier)) return false;

            byte[] key = new byte[StorageScheme.KeySize];
            if (!AeadEnvelope.TryOpen(kek, record.WrappedTokenKey, TokenKeyAad(serial), key))
                throw new CkrException(CKR.CKR_DEVICE_ERROR, "the wrapped token key failed authentication");
            tokenKey = key;
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
            CryptographicOperations.ZeroMemory(verifier);
        }
    }

    private static void CheckShape(PinRecord record)
    {
        bool ok = record.Salt is { Length: StorageScheme.SaltSize }
            && record.Verifier is { Length: StorageScheme.KeySize }
            && record.WrappedTokenKey is { Length: StorageScheme.WrappedTokenKeySize }
            && record.Iterations is >= StorageScheme.MinIterations and <= StorageScheme.MaxIterations;
        CkrException.ThrowIf(!ok, CKR.CKR_DEVICE_ERROR, "malformed PIN record");
    }

    /// <summary>"cloudhsm token key v1" || UTF-8(serial).</summary>
    private static byte[] TokenKeyAad(string serial)
    {
        ReadOnlySpan<byte> label = StorageScheme.TokenKeyAadLabel;
        var aad = new byte[label.Length + Encoding.UTF8.GetByteCount(serial)];
        label.CopyTo(aad);
        Encoding.UTF8.GetBytes(serial, aad.AsSpan(label.Length));
        return aad;
    }
}
