using System.Security.Cryptography;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Aes;

/// <summary>
/// CKM_AES_GCM (§6.13.3) and CloudHSM's CKM_CLOUDHSM_AES_GCM, both with CK_GCM_PARAMS.
/// <list type="bullet">
/// <item>Standard: the caller's IV (1 or more bytes; 12 is the fast path), AAD, and a tag of 96..128
/// bits in steps of 8 appended to the ciphertext.</item>
/// <item>Vendor (<paramref name="tokenGeneratesIv"/>): as AWS CloudHSM documents for its JCE and
/// PKCS #11 AES-GCM, the HSM ignores any IV in the request and makes a fresh 12-byte one with its RNG;
/// encryption writes IV || ciphertext || tag, and decryption reads the IV from the front of that same
/// form (the parameter's IV is ignored there too). The AAD and tag length come from the parameter; with
/// no parameter, no AAD and a 128-bit tag.</item>
/// </list>
/// Decryption releases nothing before the tag has verified (<see cref="WholeInputOperation"/>).
/// </summary>
internal sealed class AesGcmMechanism(bool tokenGeneratesIv) : ICipherMechanism
{
    private const int GeneratedIvLength = 12;

    public MechanismInfo Info { get; } = BlockCipher.Aes.Info(CKF.CKF_ENCRYPT | CKF.CKF_DECRYPT | CKF.CKF_WRAP | CKF.CKF_UNWRAP);

    public ICipherOperation CreateEncryptor(Mechanism mechanism, HsmObject key) => Create(mechanism, key, encrypt: true);

    public ICipherOperation CreateDecryptor(Mechanism mechanism, HsmObject key) => Create(mechanism, key, encrypt: false);

    private GcmOperation Create(Mechanism mechanism, HsmObject key, bool encrypt)
    {
        var cipherKey = BlockCipher.Aes.Key(key); // the key's checks first, then the parameter's
        var (iv, aad, tagBytes) = Settings(mechanism);
        return new GcmOperation(cipherKey, encrypt, tokenGeneratesIv, iv, aad, tagBytes, key.IsPrivate);
    }

    /// <summary>The parameter's ranges; anything outside them is CKR_MECHANISM_PARAM_INVALID.</summary>
    private (byte[] Iv, byte[] Aad, int TagBytes) Settings(Mechanism mechanism)
    {
        if (tokenGeneratesIv && mechanism.Parameter is null)
            return ([], [], 16);
        if (mechanism.Parameter is not GcmParameters p)
            throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, "AES-GCM needs CK_GCM_PARAMS");
        CkrException.ThrowIf(p.TagBits is < 96 or > 128 || p.TagBits % 8 != 0, CKR.CKR_MECHANISM_PARAM_INVALID,
            "ulTagBits must be 96..128 in steps of 8");
        CkrException.ThrowIf(!tokenGeneratesIv && p.Iv.Length == 0, CKR.CKR_MECHANISM_PARAM_INVALID, "the IV is empty");
        return (tokenGeneratesIv ? [] : (byte[])p.Iv.Clone(), (byte[])p.Aad.Clone(), (int)p.TagBits / 8);
    }

    private sealed class GcmOperation(CipherKey key, bool encrypt, bool tokenGeneratesIv, byte[] iv, byte[] aad, int tagBytes,
        bool usesPrivateObject) : WholeInputOperation(usesPrivateObject)
    {
        /// <summary>Bytes the output carries besides the ciphertext proper.</summary>
        private int Overhead => tagBytes + (tokenGeneratesIv ? GeneratedIvLength : 0);

        public override int OneShotLength(int inputLength)
        {
            if (encrypt)
                return inputLength + Overhead;
            CkrException.ThrowIf(inputLength < Overhead, CKR.CKR_ENCRYPTED_DATA_LEN_RANGE,
                "shorter than the tag" + (tokenGeneratesIv ? " and IV" : ""));
            return inputLength - Overhead;
        }

        public override int OneShot(ReadOnlySpan<byte> input, Span<byte> output)
        {
            int length = OneShotLength(input.Length);
            return encrypt ? Seal(input, output[..length]) : Open(input, output[..length]);
        }

        private int Seal(ReadOnlySpan<byte> plaintext, Span<byte> output)
        {
            var nonce = iv.AsSpan();
            if (tokenGeneratesIv)
            {
                RandomNumberGenerator.Fill(output[..GeneratedIvLength]);
                nonce = output[..GeneratedIvLength].ToArray();
                output = output[GeneratedIvLength..];
            }
            GcmEngine.Seal(key, nonce, aad, plaintext, output[..plaintext.Length], output[plaintext.Length..]);
            return plaintext.Length + Overhead;
        }

        private int Open(ReadOnlySpan<byte> input, Span<byte> plaintext)
        {
            var nonce = iv.AsSpan();
            if (tokenGeneratesIv)
            {
                nonce = input[..GeneratedIvLength].ToArray();
                input = input[GeneratedIvLength..];
            }
            GcmEngine.Open(key, nonce, aad, input[..^tagBytes], input[^tagBytes..], plaintext);
            return plaintext.Length;
        }
    }
}
