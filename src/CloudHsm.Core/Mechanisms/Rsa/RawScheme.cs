using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Rsa;

/// <summary>
/// X.509 "raw" RSA (§6.1.10): input of at most k bytes, prepended with zero bytes to k, must be a number
/// 1 &lt; x &lt; n - 1 (<see cref="RsaRaw.Apply"/>; else CKR_DATA_INVALID, or CKR_ENCRYPTED_DATA_INVALID for
/// ciphertext, CKR_SIGNATURE_INVALID for a signature); output exactly k bytes.
/// </summary>
internal sealed class RawScheme : IRsaRecoverScheme, IRsaEncryptionScheme
{
    public static readonly RawScheme Instance = new();

    public void Sign(RsaKey key, ReadOnlySpan<byte> input, Span<byte> signature)
    {
        CheckInput(key, input.Length);
        RsaRaw.Apply(key, input, signature, CKR.CKR_DATA_INVALID);
    }

    public void Verify(RsaKey key, ReadOnlySpan<byte> input, ReadOnlySpan<byte> signature)
    {
        CheckInput(key, input.Length);
        var recovered = new byte[key.Length];
        RsaRaw.Apply(key, signature, recovered, CKR.CKR_SIGNATURE_INVALID);
        var expected = new byte[key.Length];
        input.CopyTo(expected.AsSpan(key.Length - input.Length));
        CkrException.ThrowIf(!CryptographicOperations.FixedTimeEquals(recovered, expected), CKR.CKR_SIGNATURE_INVALID);
    }

    public int RecoveredLength(RsaKey key) => key.Length;

    public int Recover(RsaKey key, ReadOnlySpan<byte> signature, Span<byte> output)
    {
        RsaRaw.Apply(key, signature, output, CKR.CKR_SIGNATURE_INVALID);
        return key.Length;
    }

    public int EncryptedLength(RsaKey key, int inputLength)
    {
        CheckInput(key, inputLength);
        return key.Length;
    }

    public int Encrypt(RsaKey key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        RsaRaw.Apply(key, input, output, CKR.CKR_DATA_INVALID);
        return key.Length;
    }

    public int DecryptedLength(RsaKey key, int inputLength)
    {
        CkrException.ThrowIf(inputLength != key.Length, CKR.CKR_ENCRYPTED_DATA_LEN_RANGE, "the ciphertext must be k bytes");
        return key.Length;
    }

    public int Decrypt(RsaKey key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        RsaRaw.Apply(key, input, output, CKR.CKR_ENCRYPTED_DATA_INVALID);
        return key.Length;
    }

    private static void CheckInput(RsaKey key, int length) =>
        CkrException.ThrowIf(length > key.Length, CKR.CKR_DATA_LEN_RANGE, "raw RSA input is at most k bytes");
}
