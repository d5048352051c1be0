using System.Security.Cryptography;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>
/// The hashes this family computes: ECDSA with hashing (§6.3 table "ECDSA with hashing"), the X9.63 KDFs
/// of ECDH, and the EdDSA pre-hashes (SHA-512 for Ed25519ph, SHAKE256/512 for Ed448ph, RFC 8032).
/// .NET's OpenSSL-backed hashes where the platform has them; BouncyCastle for SHA-224 and SHAKE256,
/// which it lacks here (DESIGN fact 4).
/// </summary>
internal sealed class EcHash : IDisposable
{
    private readonly IncrementalHash? _dotNet;
    private readonly IDigest? _bc;

    private EcHash(IncrementalHash? dotNet, IDigest? bc, int length)
    {
        _dotNet = dotNet;
        _bc = bc;
        Length = length;
    }

    public int Length { get; }

    /// <summary>A running hash named by its digest mechanism (CKM_SHA_1 … CKM_SHA512), or by
    /// <see cref="Shake256x64"/>.</summary>
    public static EcHash Start(CKM hash) => hash switch
    {
        CKM.CKM_SHA_1 => new(IncrementalHash.CreateHash(HashAlgorithmName.SHA1), null, 20),
        CKM.CKM_SHA224 => new(null, new Sha224Digest(), 28),
        CKM.CKM_SHA256 => new(IncrementalHash.CreateHash(HashAlgorithmName.SHA256), null, 32),
        CKM.CKM_SHA384 => new(IncrementalHash.CreateHash(HashAlgorithmName.SHA384), null, 48),
        CKM.CKM_SHA512 => new(IncrementalHash.CreateHash(HashAlgorithmName.SHA512), null, 64),
        Shake256x64 => new(null, new ShakeDigest(256), 64),
        _ => throw new ArgumentOutOfRangeException(nameof(hash), hash, null),
    };

    /// <summary>Not a mechanism: Ed448ph's pre-hash, SHAKE256 with 64 bytes of output.</summary>
    public const CKM Shake256x64 = (CKM)0xFFFF_FFFE;

    /// <summary>The hash of <paramref name="data"/> in one call: the platform's static one-shot where it
    /// has the hash (no hash object, no finalizable handle per C_Sign: the allocation and the
    /// finalization-queue registration showed in perf on 2-thread ecdsa-p256-sign), else a running hash.</summary>
    public static byte[] Compute(CKM hash, ReadOnlySpan<byte> data)
    {
        HashAlgorithmName? platform = hash switch
        {
            CKM.CKM_SHA_1 => HashAlgorithmName.SHA1,
            CKM.CKM_SHA256 => HashAlgorithmName.SHA256,
            CKM.CKM_SHA384 => HashAlgorithmName.SHA384,
            CKM.CKM_SHA512 => HashAlgorithmName.SHA512,
            _ => null,
        };
        if (platform is { } name)
            return CryptographicOperations.HashData(name, data);
        using var h = Start(hash);
        h.Append(data);
        return h.Finish();
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_dotNet is not null) _dotNet.AppendData(data);
        else _bc!.BlockUpdate(data);
    }

    /// <summary>The hash of everything appended; the hash starts over.</summary>
    public byte[] Finish()
    {
        if (_dotNet is not null) return _dotNet.GetHashAndReset();
        var output = new byte[Length];
        if (_bc is IXof xof) xof.OutputFinal(output);
        else _bc!.DoFinal(output);
        return output;
    }

    public void Dispose()
    {
        _dotNet?.Dispose();
        _bc?.Reset();
    }
}
