using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects.Engine;

/// <summary>
/// Key check values (KCV, §4.11): 3 bytes that identify a key without revealing it. ECB and the legacy
/// algorithms are what the spec prescribes here, over one constant block; nothing else is encrypted.
/// </summary>
internal static class CheckValues
{
    public const int Length = 3;

    public static byte[] AesEcb(ReadOnlySpan<byte> key)
    {
        using var aes = Aes.Create();
        return EncryptZeroBlock(aes, key, blockSize: 16);
    }

    public static byte[] Des3Ecb(ReadOnlySpan<byte> key)
    {
#pragma warning disable CA5350 // DES3 is the key type being fingerprinted, not a choice of cipher
        using var des3 = TripleDES.Create();
#pragma warning restore CA5350
        try
        {
            return EncryptZeroBlock(des3, key, blockSize: 8);
        }
        catch (CryptographicException e)
        {
            // The BCL refuses DES3 keys that collapse to single DES (K1 == K2 or K2 == K3).
            throw new CkrException(CKR.CKR_ATTRIBUTE_VALUE_INVALID, "weak DES3 key", e);
        }
    }

    public static byte[] Sha1(ReadOnlySpan<byte> value)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
#pragma warning disable CA5350 // SHA-1 is the spec's KCV function for generic secrets and certificates
        SHA1.HashData(value, hash);
#pragma warning restore CA5350
        return hash[..Length].ToArray();
    }

    private static byte[] EncryptZeroBlock(SymmetricAlgorithm cipher, ReadOnlySpan<byte> key, int blockSize)
    {
        cipher.SetKey(key);
        Span<byte> block = stackalloc byte[blockSize];
        block.Clear();
        cipher.EncryptEcb(block, block, PaddingMode.None);
        return block[..Length].ToArray();
    }
}
