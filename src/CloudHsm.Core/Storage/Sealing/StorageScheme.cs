using System.Security.Cryptography;

namespace CloudHsm.Core.Storage.Sealing;

/// <summary>
/// The constants of the at-rest scheme, version 1 (docs/storage-encryption.md). Every label ends in
/// "v1": a version 2 changes them together with <see cref="Version"/>.
/// </summary>
public static class StorageScheme
{
    /// <summary>The scheme version: <see cref="TokenRecord.SchemaVersion"/> and the first byte of a sealed part.</summary>
    public const int Version = 1;

    /// <summary>Size of the token key, of a KEK and of a PIN verifier: AES-256 / SHA-256.</summary>
    public const int KeySize = 32;

    public const int SaltSize = 16;
    public const int NonceSize = 12;
    public const int TagSize = 16;

    /// <summary>The PBKDF2 count to configure when nothing else is said (OWASP 2023, PBKDF2-HMAC-SHA256).</summary>
    public const int DefaultIterations = 600_000;

    public const int MinIterations = 1;

    /// <summary>Above this a PIN record is refused: a tampered count must not stall a login for hours.</summary>
    public const int MaxIterations = 10_000_000;

    /// <summary>Size of <see cref="PinRecord.WrappedTokenKey"/>: nonce || ciphertext || tag.</summary>
    public const int WrappedTokenKeySize = NonceSize + KeySize + TagSize;

    /// <summary>Length of an object UID in the AAD and in the database (RFC 9562 byte order).</summary>
    public const int UidSize = 16;

    internal static ReadOnlySpan<byte> PinKekLabel => "cloudhsm pin kek v1"u8;
    internal static ReadOnlySpan<byte> PinVerifierLabel => "cloudhsm pin verifier v1"u8;
    internal static ReadOnlySpan<byte> TokenKeyAadLabel => "cloudhsm token key v1"u8;
    internal static ReadOnlySpan<byte> ObjectAadLabel => "cloudhsm object v1"u8;

    /// <summary>A new random token key (C_InitToken). The caller zeroes it when done.</summary>
    public static byte[] NewTokenKey() => RandomNumberGenerator.GetBytes(KeySize);

    /// <summary>The 16 bytes of a UID as the scheme and the store use them: the hex digits of its
    /// string form in the order written (big-endian fields), not <see cref="Guid.ToByteArray()"/>.</summary>
    public static byte[] UidBytes(Guid uid)
    {
        var bytes = new byte[UidSize];
        WriteUid(uid, bytes);
        return bytes;
    }

    public static void WriteUid(Guid uid, Span<byte> destination)
    {
        if (!uid.TryWriteBytes(destination, bigEndian: true, out int written) || written != UidSize)
            throw new ArgumentException("needs 16 bytes", nameof(destination));
    }

    public static Guid UidFromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != UidSize) throw new ArgumentException("a UID is 16 bytes", nameof(bytes));
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>
    /// Whether <paramref name="serial"/> may name a token: 1 to 16 characters from [0-9A-Za-z_-]. The
    /// serial is a directory name in the SQLite store, so nothing that could leave the token directory
    /// (separators, dots) is allowed; the engine's serials are 16 hex digits.
    /// </summary>
    public static bool IsValidSerial(string? serial)
    {
        if (string.IsNullOrEmpty(serial) || serial.Length > 16) return false;
        foreach (char c in serial)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')) return false;
        }
        return true;
    }

    internal static void CheckTokenKey(ReadOnlySpan<byte> tokenKey, string parameterName)
    {
        if (tokenKey.Length != KeySize)
            throw new ArgumentException($"a token key is {KeySize} bytes", parameterName);
    }
}
