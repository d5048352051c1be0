using System.Security.Cryptography;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;

namespace CloudHsm.Core.Mechanisms.Digest;

/// <summary>CKM_SHA_1 … CKM_SHA512 and SHA-3 where the platform has it (PKCS#11 §6.20-6.23), on IncrementalHash.</summary>
internal sealed class DigestMechanism(HashAlgorithmName algorithm, int length) : IDigestMechanism
{
    public MechanismInfo Info { get; } = new(0, 0, CKF.CKF_DIGEST);

    public IDigestOperation CreateDigest(Mechanism mechanism)
    {
        CkrException.ThrowIf(mechanism.Parameter is not null, CKR.CKR_MECHANISM_PARAM_INVALID, "digests take no parameter");
        return new DigestOperation(algorithm, length);
    }

    /// <summary>The hash context is made on the first update only: C_DigestInit + C_Digest (the common,
    /// hot case) hashes in one static call without allocating a context.</summary>
    private sealed class DigestOperation(HashAlgorithmName algorithm, int length) : IDigestOperation
    {
        private IncrementalHash? _hash;

        public int DigestLength => length;

        public bool UsesPrivateObject => false;

        public void Update(ReadOnlySpan<byte> part) => (_hash ??= IncrementalHash.CreateHash(algorithm)).AppendData(part);

        public int Final(Span<byte> output) =>
            _hash is null ? CryptographicOperations.HashData(algorithm, [], output) : _hash.GetHashAndReset(output);

        public int Digest(ReadOnlySpan<byte> data, Span<byte> output)
        {
            if (_hash is null) return CryptographicOperations.HashData(algorithm, data, output);
            _hash.AppendData(data);
            return _hash.GetHashAndReset(output);
        }

        public void Dispose() => _hash?.Dispose();
    }
}

/// <summary>CKM_SHA224 and the SHA-512/t digests: .NET has none of them (DESIGN.md fact 4), so BouncyCastle computes them.</summary>
internal sealed class BouncyCastleDigestMechanism(Func<IDigest> create) : IDigestMechanism
{
    public MechanismInfo Info { get; } = new(0, 0, CKF.CKF_DIGEST);

    public IDigestOperation CreateDigest(Mechanism mechanism)
    {
        CkrException.ThrowIf(mechanism.Parameter is not null, CKR.CKR_MECHANISM_PARAM_INVALID, "digests take no parameter");
        return new DigestOperation(create());
    }

    private sealed class DigestOperation(IDigest digest) : IDigestOperation
    {
        public int DigestLength => digest.GetDigestSize();

        public bool UsesPrivateObject => false;

        public void Update(ReadOnlySpan<byte> part) => digest.BlockUpdate(part);

        public int Final(Span<byte> output) => digest.DoFinal(output);

        public int Digest(ReadOnlySpan<byte> data, Span<byte> output)
        {
            digest.BlockUpdate(data);
            return digest.DoFinal(output);
        }

        public void Dispose() => digest.Reset();
    }
}

internal static class DigestMechanisms
{
    public static void Register(MechanismRegistry registry)
    {
        registry.Add(CKM.CKM_SHA_1, new DigestMechanism(HashAlgorithmName.SHA1, 20));
        registry.Add(CKM.CKM_SHA224, new BouncyCastleDigestMechanism(() => new Sha224Digest()));
        registry.Add(CKM.CKM_SHA256, new DigestMechanism(HashAlgorithmName.SHA256, 32));
        registry.Add(CKM.CKM_SHA384, new DigestMechanism(HashAlgorithmName.SHA384, 48));
        registry.Add(CKM.CKM_SHA512, new DigestMechanism(HashAlgorithmName.SHA512, 64));
        registry.Add(CKM.CKM_SHA512_224, new BouncyCastleDigestMechanism(() => new Sha512tDigest(224)));
        registry.Add(CKM.CKM_SHA512_256, new BouncyCastleDigestMechanism(() => new Sha512tDigest(256)));
        if (SHA3_256.IsSupported)
        {
            registry.Add(CKM.CKM_SHA3_256, new DigestMechanism(HashAlgorithmName.SHA3_256, 32));
            registry.Add(CKM.CKM_SHA3_384, new DigestMechanism(HashAlgorithmName.SHA3_384, 48));
            registry.Add(CKM.CKM_SHA3_512, new DigestMechanism(HashAlgorithmName.SHA3_512, 64));
        }
    }
}
