using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CloudHsm.Core.Mechanisms.Aes;

/// <summary>
/// The AES key wrap function W and its inverse (RFC 3394 §2.2.1-2.2.2, NIST SP 800-38F §6.1), index
/// form, over single-block AES-ECB. .NET has only the padded variant (DESIGN fact 4), and RFC 5649
/// is this same function under a different initial value, so both wrap mechanisms are built on it.
/// </summary>
internal static class Rfc3394
{
    public const int Semiblock = 8;

    /// <summary>The default initial value A6A6A6A6A6A6A6A6 (§2.2.3.1).</summary>
    public static ReadOnlySpan<byte> DefaultIv => [0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6];

    /// <summary>Wraps <paramref name="plaintext"/> (n ≥ 2 semiblocks) under <paramref name="iv"/>;
    /// <paramref name="output"/> is 8 bytes longer.</summary>
    public static void Wrap(SymmetricAlgorithm aes, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        int n = plaintext.Length / Semiblock;
        Span<byte> block = stackalloc byte[16];
        Span<byte> a = block[..Semiblock];
        iv.CopyTo(a);
        plaintext.CopyTo(output[Semiblock..]);
        for (int j = 0; j <= 5; j++)
        {
            for (int i = 1; i <= n; i++)
            {
                var r = output.Slice(i * Semiblock, Semiblock);
                r.CopyTo(block[Semiblock..]);
                aes.EncryptEcb(block, block, PaddingMode.None);
                XorCounter(a, (ulong)(n * j + i));
                block[Semiblock..].CopyTo(r);
            }
        }
        a.CopyTo(output);
        CryptographicOperations.ZeroMemory(block);
    }

    /// <summary>Unwraps <paramref name="ciphertext"/> (n + 1 ≥ 3 semiblocks) into <paramref name="plaintext"/>
    /// (8 bytes shorter) and returns the recovered initial value in <paramref name="recoveredIv"/>; the
    /// caller checks it.</summary>
    public static void Unwrap(SymmetricAlgorithm aes, ReadOnlySpan<byte> ciphertext, Span<byte> plaintext, Span<byte> recoveredIv)
    {
        int n = ciphertext.Length / Semiblock - 1;
        Span<byte> block = stackalloc byte[16];
        Span<byte> a = block[..Semiblock];
        ciphertext[..Semiblock].CopyTo(a);
        ciphertext[Semiblock..].CopyTo(plaintext);
        for (int j = 5; j >= 0; j--)
        {
            for (int i = n; i >= 1; i--)
            {
                var r = plaintext.Slice((i - 1) * Semiblock, Semiblock);
                XorCounter(a, (ulong)(n * j + i));
                r.CopyTo(block[Semiblock..]);
                aes.DecryptEcb(block, block, PaddingMode.None);
                block[Semiblock..].CopyTo(r);
            }
        }
        a.CopyTo(recoveredIv);
        CryptographicOperations.ZeroMemory(block);
    }

    /// <summary>A ^= t, t as a 64-bit big-endian number.</summary>
    private static void XorCounter(Span<byte> a, ulong t) =>
        BinaryPrimitives.WriteUInt64BigEndian(a, BinaryPrimitives.ReadUInt64BigEndian(a) ^ t);
}
