using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Wrapping;

/// <summary>
/// A test-only cipher with the failure modes of real wrap ciphers, and none of their cost: a one-byte
/// checksum, then the plaintext XOR the key's value. Takes AES keys only (CKR_KEY_TYPE_INCONSISTENT
/// otherwise); plaintext must be whole blocks (CKR_DATA_LEN_RANGE) unless <paramref name="zeroPad"/>;
/// a ciphertext of the wrong length is CKR_ENCRYPTED_DATA_LEN_RANGE, a damaged one CKR_ENCRYPTED_DATA_INVALID.
/// </summary>
internal sealed class XorTestCipher(ulong flags, int blockSize = 1, bool zeroPad = false) : ICipherMechanism
{
    public MechanismInfo Info { get; } = new(16, 32, CKF.CKF_ENCRYPT | CKF.CKF_DECRYPT | flags);

    public ICipherOperation CreateEncryptor(Mechanism mechanism, HsmObject key) => new Operation(KeyOf(key), blockSize, zeroPad, encrypt: true);

    public ICipherOperation CreateDecryptor(Mechanism mechanism, HsmObject key) => new Operation(KeyOf(key), blockSize, zeroPad, encrypt: false);

    private static byte[] KeyOf(HsmObject key)
    {
        CkrException.ThrowIf(key.KeyType != CKK.CKK_AES, CKR.CKR_KEY_TYPE_INCONSISTENT, "the test cipher takes AES keys");
        return key.GetValue(CKA.CKA_VALUE).ToArray();
    }

    private sealed class Operation(byte[] key, int blockSize, bool zeroPad, bool encrypt) : ICipherOperation
    {
        public bool UsesPrivateObject => false;

        public int OneShotLength(int inputLength)
        {
            if (encrypt)
            {
                int padded = zeroPad ? (inputLength + blockSize - 1) / blockSize * blockSize : inputLength;
                CkrException.ThrowIf(padded % blockSize != 0, CKR.CKR_DATA_LEN_RANGE, "not whole blocks");
                return 1 + padded;
            }
            CkrException.ThrowIf(inputLength < 1 || (inputLength - 1) % blockSize != 0, CKR.CKR_ENCRYPTED_DATA_LEN_RANGE, "bad length");
            return inputLength - 1;
        }

        public int OneShot(ReadOnlySpan<byte> input, Span<byte> output)
        {
            int length = OneShotLength(input.Length);
            if (encrypt)
            {
                var plain = new byte[length - 1];
                input.CopyTo(plain);
                output[0] = Checksum(plain);
                for (int i = 0; i < plain.Length; i++) output[1 + i] = (byte)(plain[i] ^ key[i % key.Length]);
                return length;
            }
            for (int i = 0; i < length; i++) output[i] = (byte)(input[1 + i] ^ key[i % key.Length]);
            CkrException.ThrowIf(Checksum(output[..length]) != input[0], CKR.CKR_ENCRYPTED_DATA_INVALID, "checksum");
            return length;
        }

        public int UpdateLength(int inputLength) => throw new NotSupportedException();
        public int FinalLength() => throw new NotSupportedException();
        public int Update(ReadOnlySpan<byte> input, Span<byte> output) => throw new NotSupportedException();
        public int Final(Span<byte> output) => throw new NotSupportedException();
        public void Dispose() { }

        private static byte Checksum(ReadOnlySpan<byte> data)
        {
            byte sum = 0x5A;
            foreach (byte b in data) sum = (byte)(sum * 31 + b);
            return sum;
        }
    }
}
