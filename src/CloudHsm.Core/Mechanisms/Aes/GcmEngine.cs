using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace CloudHsm.Core.Mechanisms.Aes;

/// <summary>
/// One-shot AES-GCM (NIST SP 800-38D). The usual case — a 12-byte IV — runs on the BCL's AesGcm over
/// OpenSSL at native speed with a pooled instance per key and tag size (DESIGN fact 9). AesGcm takes
/// 12-byte nonces only, so other IV lengths, which GCM allows and PKCS#11 passes through, go to
/// BouncyCastle's GcmBlockCipher.
/// </summary>
internal static class GcmEngine
{
    private const int FastIvLength = 12;

    public static void Seal(CipherKey key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext,
        Span<byte> ciphertext, Span<byte> tag)
    {
        if (iv.Length == FastIvLength)
        {
            var gcm = key.RentGcm(tag.Length);
            try
            {
                gcm.Encrypt(iv, plaintext, ciphertext, tag, aad);
            }
            finally
            {
                key.Return(gcm, tag.Length);
            }
            return;
        }
        var cipher = BouncyCastle(key, forEncryption: true, iv, aad, tag.Length);
        var output = new byte[plaintext.Length + tag.Length];
        int n = cipher.ProcessBytes(plaintext, output);
        cipher.DoFinal(output.AsSpan(n));
        output.AsSpan(0, plaintext.Length).CopyTo(ciphertext);
        output.AsSpan(plaintext.Length).CopyTo(tag);
    }

    /// <summary>Decrypts and checks the tag; a wrong tag is CKR_ENCRYPTED_DATA_INVALID and leaves
    /// <paramref name="plaintext"/> zeroed.</summary>
    public static void Open(CipherKey key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext,
        ReadOnlySpan<byte> tag, Span<byte> plaintext)
    {
        if (iv.Length == FastIvLength)
        {
            var gcm = key.RentGcm(tag.Length);
            try
            {
                gcm.Decrypt(iv, ciphertext, tag, plaintext, aad); // zeroes plaintext on failure
            }
            catch (AuthenticationTagMismatchException e)
            {
                throw new CkrException(CKR.CKR_ENCRYPTED_DATA_INVALID, "the GCM tag does not verify", e);
            }
            finally
            {
                key.Return(gcm, tag.Length);
            }
            return;
        }
        var cipher = BouncyCastle(key, forEncryption: false, iv, aad, tag.Length);
        // BouncyCastle streams plaintext out before it checks the tag: decrypt aside, release on success.
        var output = new byte[ciphertext.Length];
        try
        {
            byte[] input = [.. ciphertext, .. tag];
            int n = cipher.ProcessBytes(input, output);
            cipher.DoFinal(output.AsSpan(n));
            output.CopyTo(plaintext);
        }
        catch (InvalidCipherTextException e)
        {
            throw new CkrException(CKR.CKR_ENCRYPTED_DATA_INVALID, "the GCM tag does not verify", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(output);
        }
    }

    private static GcmBlockCipher BouncyCastle(CipherKey key, bool forEncryption, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> aad, int tagBytes)
    {
        var cipher = new GcmBlockCipher(AesUtilities.CreateEngine());
        cipher.Init(forEncryption, new AeadParameters(new KeyParameter(key.Value), tagBytes * 8, iv.ToArray(), aad.ToArray()));
        return cipher;
    }
}
