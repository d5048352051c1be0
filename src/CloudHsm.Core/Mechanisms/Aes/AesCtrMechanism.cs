using System.Buffers.Binary;
using System.Security.Cryptography;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Aes;

/// <summary>
/// CKM_AES_CTR (§6.11, NIST SP 800-38A §6.5) with CK_AES_CTR_PARAMS: the low <c>ulCounterBits</c>
/// bits of the counter block are the counter, incremented once per block. The counter may run from its
/// initial value up to all ones; input that would need it to wrap (and so reuse a counter block) is
/// refused — CKR_DATA_LEN_RANGE encrypting, CKR_ENCRYPTED_DATA_LEN_RANGE decrypting — before any output.
/// </summary>
internal sealed class AesCtrMechanism : ICipherMechanism
{
    public MechanismInfo Info { get; } = BlockCipher.Aes.Info(CKF.CKF_ENCRYPT | CKF.CKF_DECRYPT);

    public ICipherOperation CreateEncryptor(Mechanism mechanism, HsmObject key) => Create(mechanism, key, encrypt: true);

    public ICipherOperation CreateDecryptor(Mechanism mechanism, HsmObject key) => Create(mechanism, key, encrypt: false);

    private static CtrOperation Create(Mechanism mechanism, HsmObject key, bool encrypt)
    {
        var cipherKey = BlockCipher.Aes.Key(key); // the key's checks first, then the parameter's
        if (mechanism.Parameter is not AesCtrParameters { CounterBits: >= 1 and <= 128 } p || p.CounterBlock.Length != 16)
            throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, "CK_AES_CTR_PARAMS needs ulCounterBits 1..128 and a 16-byte block");
        return new CtrOperation(cipherKey, (int)p.CounterBits, (byte[])p.CounterBlock.Clone(), encrypt, key.IsPrivate);
    }

    private sealed class CtrOperation : ICipherOperation
    {
        private const int Block = 16;
        private readonly CipherKey _key;
        private readonly SymmetricAlgorithm _cipher;
        private readonly byte[] _counter;
        private readonly byte[] _keystream = new byte[Block];
        private readonly CKR _lengthError;
        private int _keystreamUsed = Block;
        /// <summary>Counter blocks still unused before the counter field would wrap.</summary>
        private UInt128 _blocksLeft;

        public CtrOperation(CipherKey key, int counterBits, byte[] counter, bool encrypt, bool usesPrivateObject)
        {
            _key = key;
            _counter = counter;
            _lengthError = encrypt ? CKR.CKR_DATA_LEN_RANGE : CKR.CKR_ENCRYPTED_DATA_LEN_RANGE;
            UsesPrivateObject = usesPrivateObject;
            UInt128 mask = counterBits == 128 ? UInt128.MaxValue : (UInt128.One << counterBits) - 1;
            UInt128 start = BinaryPrimitives.ReadUInt128BigEndian(counter) & mask;
            _blocksLeft = mask - start == UInt128.MaxValue ? UInt128.MaxValue : mask - start + 1;
            _cipher = key.RentCipher();
        }

        public bool UsesPrivateObject { get; }

        public int OneShotLength(int inputLength) => inputLength;

        public int OneShot(ReadOnlySpan<byte> input, Span<byte> output) => Update(input, output);

        public int UpdateLength(int inputLength) => inputLength;

        public int Update(ReadOnlySpan<byte> input, Span<byte> output)
        {
            int fromLeftover = Math.Min(Block - _keystreamUsed, input.Length);
            int blocks = (input.Length - fromLeftover + Block - 1) / Block;
            CkrException.ThrowIf((UInt128)blocks > _blocksLeft, _lengthError, "the counter would wrap");

            var destination = output[..input.Length];
            input.CopyTo(destination); // XOR in place from here on; works for in-place calls too
            Xor(destination[..fromLeftover], _keystream.AsSpan(_keystreamUsed, fromLeftover));
            _keystreamUsed += fromLeftover;
            var rest = destination[fromLeftover..];
            if (blocks == 0)
                return input.Length;

            var stream = new byte[blocks * Block];
            for (int i = 0; i < blocks; i++)
            {
                _counter.CopyTo(stream, i * Block);
                Increment();
            }
            _cipher.EncryptEcb(stream, stream, PaddingMode.None);
            _blocksLeft -= (UInt128)blocks;
            Xor(rest, stream.AsSpan(0, rest.Length));
            stream.AsSpan(stream.Length - Block).CopyTo(_keystream);
            _keystreamUsed = Block - (stream.Length - rest.Length);
            CryptographicOperations.ZeroMemory(stream);
            return input.Length;
        }

        public int FinalLength() => 0;

        public int Final(Span<byte> output) => 0;

        private void Increment()
        {
            // Never carries past the counter field: _blocksLeft stops the operation first.
            var value = BinaryPrimitives.ReadUInt128BigEndian(_counter);
            BinaryPrimitives.WriteUInt128BigEndian(_counter, unchecked(value + 1));
        }

        private static void Xor(Span<byte> data, ReadOnlySpan<byte> keystream)
        {
            for (int i = 0; i < data.Length; i++)
                data[i] ^= keystream[i];
        }

        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            CryptographicOperations.ZeroMemory(_keystream);
            _key.Return(_cipher);
        }
    }
}
