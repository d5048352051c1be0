using System.Security.Cryptography;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Aes;

/// <summary>
/// The two block ciphers of this family, AES (§6.10) and DES3 (§6.18): their key type, block size and
/// key lengths in bytes, and the one check every mechanism of theirs makes on its key.
/// </summary>
internal sealed class BlockCipher
{
    public static readonly BlockCipher Aes = new(CKK.CKK_AES, blockSize: 16, keySizes: [16, 24, 32]);

    public static readonly BlockCipher Des3 = new(CKK.CKK_DES3, blockSize: 8, keySizes: [24]);

    private readonly int[] _keySizes;

    private BlockCipher(CKK keyType, int blockSize, int[] keySizes)
    {
        KeyType = keyType;
        BlockSize = blockSize;
        _keySizes = keySizes;
    }

    public CKK KeyType { get; }

    public int BlockSize { get; }

    /// <summary>CK_MECHANISM_INFO with this cipher's key sizes in bytes.</summary>
    public MechanismInfo Info(ulong flags) => new((ulong)_keySizes[0], (ulong)_keySizes[^1], flags);

    /// <summary>The key in computing form, cached per snapshot. A key of another class or type is
    /// CKR_KEY_TYPE_INCONSISTENT; a value of a length the cipher lacks, CKR_KEY_SIZE_RANGE.</summary>
    public CipherKey Key(HsmObject key)
    {
        CkrException.ThrowIf(key.Class != CKO.CKO_SECRET_KEY || key.KeyType != KeyType, CKR.CKR_KEY_TYPE_INCONSISTENT,
            $"the mechanism needs a {KeyType} secret key");
        var cached = key.GetOrCreateParsed(k => new CipherKey(this, k.GetValue(CKA.CKA_VALUE).ToArray()));
        // Should another family (CMAC …) have cached its own form of this snapshot first, the factory's
        // instance is returned uncached: slower, still correct.
        CkrException.ThrowIf(Array.IndexOf(_keySizes, cached.Length) < 0, CKR.CKR_KEY_SIZE_RANGE,
            $"{cached.Length}-byte {KeyType} keys are not supported");
        return cached;
    }

    internal SymmetricAlgorithm Create(byte[] value)
    {
#pragma warning disable CA5350 // DES3 is offered because PKCS#11 consumers ask for it by name (CKM_DES3_*)
        SymmetricAlgorithm algorithm = KeyType == CKK.CKK_AES ? System.Security.Cryptography.Aes.Create() : TripleDES.Create();
#pragma warning restore CA5350
        try
        {
            algorithm.Key = value;
            return algorithm;
        }
        catch (CryptographicException e)
        {
            algorithm.Dispose();
            // The BCL refuses DES3 keys that collapse to single DES; the token never makes or accepts one.
            throw new CkrException(CKR.CKR_KEY_SIZE_RANGE, $"unusable {KeyType} key", e);
        }
    }
}

/// <summary>
/// A secret key's value with pools of keyed cipher instances (<see cref="InstancePool{T}"/>), made once
/// per key snapshot by <see cref="HsmObject.GetOrCreateParsed{T}"/> and shared by every operation on it.
/// Safe for concurrent use: each instance is lent to one caller at a time.
/// </summary>
internal sealed class CipherKey
{
    /// <summary>AesGcm tag sizes in bytes (12..16): one pool each.</summary>
    private const int MinGcmTag = 12;

    private readonly byte[] _value;
    private readonly InstancePool<SymmetricAlgorithm> _ciphers;
    private readonly InstancePool<AesGcm>[] _gcm;

    public CipherKey(BlockCipher cipher, byte[] value)
    {
        Cipher = cipher;
        _value = value;
        _ciphers = new InstancePool<SymmetricAlgorithm>(() => cipher.Create(_value));
        _gcm = [.. Enumerable.Range(MinGcmTag, 5).Select(tag => new InstancePool<AesGcm>(() => new AesGcm(_value, tag)))];
    }

    public BlockCipher Cipher { get; }

    public int Length => _value.Length;

    /// <summary>The raw value, for the engines that key themselves (BouncyCastle GCM). Never written to.</summary>
    public ReadOnlySpan<byte> Value => _value;

    public SymmetricAlgorithm RentCipher() => _ciphers.Rent();

    public void Return(SymmetricAlgorithm cipher) => _ciphers.Return(cipher);

    /// <summary>An AesGcm for a tag of <paramref name="tagBytes"/> (12..16).</summary>
    public AesGcm RentGcm(int tagBytes) => _gcm[tagBytes - MinGcmTag].Rent();

    public void Return(AesGcm gcm, int tagBytes) => _gcm[tagBytes - MinGcmTag].Return(gcm);
}
