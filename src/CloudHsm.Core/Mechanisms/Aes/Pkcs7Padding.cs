using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Aes;

/// <summary>PKCS #7 padding (RFC 5652 §6.3; PKCS #5 is the same for 8-byte blocks): CKM_*_CBC_PAD and the
/// padded key-wrap variants. Always adds 1..blockSize bytes.</summary>
internal static class Pkcs7Padding
{
    public static int PaddedLength(int length, int blockSize) => (length / blockSize + 1) * blockSize;

    /// <summary>Writes <paramref name="data"/> and its padding to <paramref name="destination"/>.</summary>
    public static void Pad(ReadOnlySpan<byte> data, Span<byte> destination, int blockSize)
    {
        int padded = PaddedLength(data.Length, blockSize);
        data.CopyTo(destination);
        destination[data.Length..padded].Fill((byte)(padded - data.Length));
    }

    /// <summary>The length of the data in <paramref name="padded"/>; bad padding is CKR_ENCRYPTED_DATA_INVALID.
    /// Every byte of the last block is inspected whatever the padding says, so the time taken does not
    /// tell where the padding went wrong.</summary>
    public static int Unpad(ReadOnlySpan<byte> padded, int blockSize)
    {
        if (padded.Length == 0 || padded.Length % blockSize != 0)
            throw new CkrException(CKR.CKR_ENCRYPTED_DATA_LEN_RANGE, "padded data is not a whole number of blocks");
        var last = padded[^blockSize..];
        int pad = last[^1];
        int bad = (pad == 0 ? 1 : 0) | (pad > blockSize ? 1 : 0);
        for (int i = 0; i < blockSize; i++)
        {
            int inPadding = (blockSize - i <= pad) ? 1 : 0;
            bad |= inPadding & (last[i] != pad ? 1 : 0);
        }
        if (bad != 0)
            throw new CkrException(CKR.CKR_ENCRYPTED_DATA_INVALID, "bad padding");
        return padded.Length - pad;
    }
}
