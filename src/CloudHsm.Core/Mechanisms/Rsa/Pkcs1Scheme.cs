using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Rsa;

/// <summary>
/// PKCS #1 v1.5 (§6.1.6): block type 01 for signatures, 02 for encryption; input at most k-11 bytes.
/// A signature input that is the DigestInfo of a hash .NET knows goes to OpenSSL (the hot path of
/// CKM_SHA*_RSA_PKCS and of TLS); any other input (SHA-224, TLS 1.0's MD5||SHA-1, arbitrary data) is
/// encoded here (RFC 8017 §9.2 steps 3-5) and signed with raw RSA.
/// </summary>
internal sealed class Pkcs1Scheme : IRsaRecoverScheme, IRsaEncryptionScheme
{
    public static readonly Pkcs1Scheme Instance = new();

    private const int Overhead = 11;

    public void Sign(RsaKey key, ReadOnlySpan<byte> input, Span<byte> signature)
    {
        CheckInput(key, input.Length);
        if (RsaHash.FromDigestInfo(input) is { DotNet: { } name } hash)
        {
            bool ok = key.Rsa.TrySignHash(input[hash.DigestInfoPrefix.Length..], signature, name, RSASignaturePadding.Pkcs1, out int written);
            if (!ok || written != key.Length) throw new CkrException(CKR.CKR_FUNCTION_FAILED, "RSA signing failed");
            return;
        }
        var block = EncodeType1(key, input);
        try
        {
            RsaRaw.Apply(key, block, signature, CKR.CKR_DATA_INVALID);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(block);
        }
    }

    public void Verify(RsaKey key, ReadOnlySpan<byte> input, ReadOnlySpan<byte> signature)
    {
        CheckInput(key, input.Length);
        bool valid;
        if (RsaHash.FromDigestInfo(input) is { DotNet: { } name } hash)
            valid = key.Rsa.VerifyHash(input[hash.DigestInfoPrefix.Length..], signature, name, RSASignaturePadding.Pkcs1);
        else
        {
            var recovered = new byte[key.Length];
            RsaRaw.Apply(key, signature, recovered, CKR.CKR_SIGNATURE_INVALID);
            valid = CryptographicOperations.FixedTimeEquals(recovered, EncodeType1(key, input));
        }
        CkrException.ThrowIf(!valid, CKR.CKR_SIGNATURE_INVALID);
    }

    public int RecoveredLength(RsaKey key) => key.Length - Overhead;

    /// <summary>RSAVP1, then the type 01 block's data: 00 01 FF…FF (at least 8) 00 data.</summary>
    public int Recover(RsaKey key, ReadOnlySpan<byte> signature, Span<byte> output)
    {
        var block = new byte[key.Length];
        RsaRaw.Apply(key, signature, block, CKR.CKR_SIGNATURE_INVALID);
        int separator = block.AsSpan(2).IndexOfAnyExcept((byte)0xFF) + 2;
        bool valid = block[0] == 0 && block[1] == 1 && separator >= 10 && block[separator] == 0;
        CkrException.ThrowIf(!valid, CKR.CKR_SIGNATURE_INVALID);
        var data = block.AsSpan(separator + 1);
        data.CopyTo(output);
        return data.Length;
    }

    public int EncryptedLength(RsaKey key, int inputLength)
    {
        CheckInput(key, inputLength);
        return key.Length;
    }

    public int Encrypt(RsaKey key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (!key.Rsa.TryEncrypt(input, output, RSAEncryptionPadding.Pkcs1, out int written) || written != key.Length)
            throw new CkrException(CKR.CKR_FUNCTION_FAILED, "RSA encryption failed");
        return written;
    }

    public int DecryptedLength(RsaKey key, int inputLength)
    {
        CkrException.ThrowIf(inputLength != key.Length, CKR.CKR_ENCRYPTED_DATA_LEN_RANGE, "the ciphertext must be k bytes");
        return key.Length - Overhead;
    }

    public int Decrypt(RsaKey key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        var plain = new byte[key.Length];
        try
        {
            if (!RsaRaw.BelowModulus(key, input) || !TryDecrypt(key, input, plain, out int written))
                throw new CkrException(CKR.CKR_ENCRYPTED_DATA_INVALID);
            plain.AsSpan(0, written).CopyTo(output);
            return written;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private static bool TryDecrypt(RsaKey key, ReadOnlySpan<byte> input, Span<byte> plain, out int written)
    {
        try
        {
            return key.Rsa.TryDecrypt(input, plain, RSAEncryptionPadding.Pkcs1, out written);
        }
        catch (CryptographicException)
        {
            written = 0;
            return false;
        }
    }

    private static void CheckInput(RsaKey key, int length) =>
        CkrException.ThrowIf(length > key.Length - Overhead, CKR.CKR_DATA_LEN_RANGE, "PKCS #1 v1.5 input is at most k-11 bytes");

    /// <summary>EM = 00 01 FF…FF 00 || T (RFC 8017 §9.2 step 5).</summary>
    private static byte[] EncodeType1(RsaKey key, ReadOnlySpan<byte> input)
    {
        var block = new byte[key.Length];
        block[1] = 1;
        int separator = key.Length - input.Length - 1;
        block.AsSpan(2, separator - 2).Fill(0xFF);
        input.CopyTo(block.AsSpan(separator + 1));
        return block;
    }
}
