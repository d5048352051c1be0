using System.Security.Cryptography;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Rsa;

/// <summary>
/// CKM_RSA_AES_KEY_WRAP (§6.1.21) as a cipher for the generic key wrap: the output is RSA-OAEP(temporary AES
/// key) — k bytes — followed by AES-KWP(temporary key, input) (RFC 5649). The temporary key is random per
/// call, used once and zeroed. Encoding the target key (PKCS #8 for private keys, §6.7) is the wrapper's job.
/// </summary>
internal sealed class RsaAesKeyWrapScheme : IRsaEncryptionScheme
{
    private const int KwpBlock = 8;

    private readonly int _aesKeyLength;
    private readonly OaepScheme _oaep;

    private RsaAesKeyWrapScheme(int aesKeyLength, OaepScheme oaep)
    {
        _aesKeyLength = aesKeyLength;
        _oaep = oaep;
    }

    /// <summary>ulAESKeyBits must be 128, 192 or 256 and the OAEP parameters valid; else CKR_MECHANISM_PARAM_INVALID.</summary>
    public static RsaAesKeyWrapScheme Create(Mechanism mechanism)
    {
        if (mechanism.Parameter is not RsaAesKeyWrapParameter p)
            throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, "a CK_RSA_AES_KEY_WRAP_PARAMS parameter is required");
        CkrException.ThrowIf(p.AesKeyBits is not (128 or 192 or 256), CKR.CKR_MECHANISM_PARAM_INVALID, "ulAESKeyBits must be 128, 192 or 256");
        return new RsaAesKeyWrapScheme((int)p.AesKeyBits / 8, OaepScheme.Create(p.Oaep));
    }

    public int EncryptedLength(RsaKey key, int inputLength)
    {
        CkrException.ThrowIf(inputLength == 0, CKR.CKR_DATA_LEN_RANGE, "there is nothing to wrap");
        return key.Length + Kwp(inputLength);
    }

    public int Encrypt(RsaKey key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        var temporary = RandomNumberGenerator.GetBytes(_aesKeyLength);
        try
        {
            _oaep.Encrypt(key, temporary, output[..key.Length]);
            using var aes = System.Security.Cryptography.Aes.Create();
            aes.Key = temporary;
            int wrapped = Kwp(input.Length);
            aes.EncryptKeyWrapPadded(input, output.Slice(key.Length, wrapped));
            return key.Length + wrapped;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(temporary);
        }
    }

    public int DecryptedLength(RsaKey key, int inputLength)
    {
        int wrapped = inputLength - key.Length;
        CkrException.ThrowIf(wrapped < 2 * KwpBlock || wrapped % KwpBlock != 0, CKR.CKR_ENCRYPTED_DATA_LEN_RANGE,
            "the input is not k bytes of RSA-OAEP and an AES-KWP block");
        return wrapped - KwpBlock;
    }

    public int Decrypt(RsaKey key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        var temporary = new byte[key.Length];
        try
        {
            int length = _oaep.Decrypt(key, input[..key.Length], temporary);
            CkrException.ThrowIf(length != _aesKeyLength, CKR.CKR_ENCRYPTED_DATA_INVALID);
            var aesKey = temporary[..length];
            try
            {
                using var aes = System.Security.Cryptography.Aes.Create();
                aes.Key = aesKey;
                return aes.DecryptKeyWrapPadded(input[key.Length..], output);
            }
            catch (CryptographicException)
            {
                throw new CkrException(CKR.CKR_ENCRYPTED_DATA_INVALID);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(aesKey);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(temporary);
        }
    }

    /// <summary>AES-KWP output: the input padded to 8 bytes, plus the 8-byte integrity block.</summary>
    private static int Kwp(int inputLength) => (inputLength + KwpBlock - 1) / KwpBlock * KwpBlock + KwpBlock;
}
