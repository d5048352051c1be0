using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Aes;

/// <summary>
/// One ECB/CBC/CBC_PAD encryption or decryption. Multi-part input is cut into whole blocks; a partial
/// block waits for the next call. CBC_PAD decryption also holds back the last whole block until Final,
/// since only then is it known to carry the padding. The CBC chain value is kept here between calls,
/// so each call can use the BCL's one-shot methods on a pooled, keyed instance.
/// </summary>
internal sealed class BlockModeOperation : ICipherOperation
{
    private readonly CipherKey _key;
    private readonly SymmetricAlgorithm _cipher;
    private readonly BlockMode _mode;
    private readonly bool _encrypt;
    private readonly int _blockSize;
    private readonly byte[] _chain;
    private readonly byte[] _pending;
    private int _pendingCount;

    public BlockModeOperation(CipherKey key, BlockMode mode, bool encrypt, byte[] iv, bool usesPrivateObject)
    {
        _key = key;
        _mode = mode;
        _encrypt = encrypt;
        _blockSize = key.Cipher.BlockSize;
        _chain = iv;
        _pending = new byte[_blockSize];
        UsesPrivateObject = usesPrivateObject;
        _cipher = key.RentCipher();
    }

    public bool UsesPrivateObject { get; }

    private bool Pads => _mode == BlockMode.CbcPad;

    /// <summary>Input not a whole number of blocks where the mode needs one.</summary>
    private CKR LengthError => _encrypt ? CKR.CKR_DATA_LEN_RANGE : CKR.CKR_ENCRYPTED_DATA_LEN_RANGE;

    public int OneShotLength(int inputLength)
    {
        if (_encrypt && Pads)
            return Pkcs7Padding.PaddedLength(inputLength, _blockSize);
        CkrException.ThrowIf(inputLength % _blockSize != 0 || (Pads && inputLength == 0), LengthError,
            "input is not a whole number of blocks");
        return inputLength; // CBC_PAD decryption: an upper bound, the padding is not known yet
    }

    public int OneShot(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (!Pads)
        {
            Transform(input, output[..input.Length]);
            return input.Length;
        }
        if (_encrypt)
            return _cipher.EncryptCbc(input, _chain, output, PaddingMode.PKCS7);
        return DecryptAndUnpad(input, output);
    }

    public int UpdateLength(int inputLength) => Processable(_pendingCount + inputLength);

    public int Update(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (input.Overlaps(output))
            input = input.ToArray(); // in-place calls: output written ahead of pending bytes must not clobber input
        int count = Processable(_pendingCount + input.Length);
        int written = 0;
        if (count > 0 && _pendingCount > 0)
        {
            int take = _blockSize - _pendingCount;
            input[..take].CopyTo(_pending.AsSpan(_pendingCount));
            input = input[take..];
            Transform(_pending, output[.._blockSize]);
            _pendingCount = 0;
            written = _blockSize;
            count -= _blockSize;
        }
        if (count > 0)
        {
            Transform(input[..count], output.Slice(written, count));
            written += count;
            input = input[count..];
        }
        input.CopyTo(_pending.AsSpan(_pendingCount));
        _pendingCount += input.Length;
        return written;
    }

    public int FinalLength() => Pads ? _blockSize : 0;

    public int Final(Span<byte> output)
    {
        if (!Pads)
        {
            CkrException.ThrowIf(_pendingCount != 0, LengthError, "the input was not a whole number of blocks");
            return 0;
        }
        if (_encrypt)
            return _cipher.EncryptCbc(_pending.AsSpan(0, _pendingCount), _chain, output, PaddingMode.PKCS7);
        CkrException.ThrowIf(_pendingCount != _blockSize, LengthError, "the input was not a whole number of blocks");
        return DecryptAndUnpad(_pending, output);
    }

    /// <summary>Bytes of <paramref name="available"/> (pending plus new) that can be processed now: whole
    /// blocks, less the last block when CBC_PAD decryption must keep it for Final.</summary>
    private int Processable(int available)
    {
        int whole = available / _blockSize * _blockSize;
        if (Pads && !_encrypt && whole == available && whole > 0)
            whole -= _blockSize;
        return whole;
    }

    private int DecryptAndUnpad(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var plain = output[..input.Length];
        Transform(input, plain);
        try
        {
            return Pkcs7Padding.Unpad(plain, _blockSize);
        }
        catch (CkrException)
        {
            CryptographicOperations.ZeroMemory(plain);
            throw;
        }
    }

    /// <summary>Whole blocks through the mode, carrying the CBC chain value across calls.</summary>
    private void Transform(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (input.IsEmpty)
            return;
        switch (_mode, _encrypt)
        {
            case (BlockMode.Ecb, true):
                _cipher.EncryptEcb(input, output, PaddingMode.None);
                break;
            case (BlockMode.Ecb, false):
                _cipher.DecryptEcb(input, output, PaddingMode.None);
                break;
            case (_, true):
                _cipher.EncryptCbc(input, _chain, output, PaddingMode.None);
                output[^_blockSize..].CopyTo(_chain);
                break;
            default:
                Span<byte> next = stackalloc byte[_blockSize];
                input[^_blockSize..].CopyTo(next); // read before an in-place decrypt overwrites it
                _cipher.DecryptCbc(input, _chain, output, PaddingMode.None);
                next.CopyTo(_chain);
                break;
        }
    }

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        CryptographicOperations.ZeroMemory(_pending);
        _key.Return(_cipher);
    }
}
