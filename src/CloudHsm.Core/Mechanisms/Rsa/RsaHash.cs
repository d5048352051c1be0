using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;

namespace CloudHsm.Core.Mechanisms.Rsa;

/// <summary>
/// The hashes RSA mechanisms use (PKCS#11 §6.1 tables 45 and 47): the CKM digest, its MGF1 code, length,
/// DER DigestInfo prefix (RFC 8017 §9.2 note 1) and how to compute it. <see cref="DotNet"/> is null for
/// SHA-224, which .NET lacks here (DESIGN.md fact 4): BouncyCastle computes it and RSA with it.
/// </summary>
internal sealed class RsaHash
{
    private RsaHash(CKM mechanism, CKG mgf, int length, HashAlgorithmName? dotNet, string prefixHex, Func<IDigest> bc)
    {
        Mechanism = mechanism;
        Mgf = mgf;
        Length = length;
        DotNet = dotNet;
        DigestInfoPrefix = Convert.FromHexString(prefixHex);
        CreateBouncyCastle = bc;
    }

    public CKM Mechanism { get; }
    public CKG Mgf { get; }
    public int Length { get; }
    public HashAlgorithmName? DotNet { get; }
    public byte[] DigestInfoPrefix { get; }
    public Func<IDigest> CreateBouncyCastle { get; }

    public static readonly RsaHash Sha1 = new(CKM.CKM_SHA_1, CKG.CKG_MGF1_SHA1, 20, HashAlgorithmName.SHA1,
        "3021300906052b0e03021a05000414", () => new Sha1Digest());
    public static readonly RsaHash Sha224 = new(CKM.CKM_SHA224, CKG.CKG_MGF1_SHA224, 28, null,
        "302d300d06096086480165030402040500041c", () => new Sha224Digest());
    public static readonly RsaHash Sha256 = new(CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256, 32, HashAlgorithmName.SHA256,
        "3031300d060960864801650304020105000420", () => new Sha256Digest());
    public static readonly RsaHash Sha384 = new(CKM.CKM_SHA384, CKG.CKG_MGF1_SHA384, 48, HashAlgorithmName.SHA384,
        "3041300d060960864801650304020205000430", () => new Sha384Digest());
    public static readonly RsaHash Sha512 = new(CKM.CKM_SHA512, CKG.CKG_MGF1_SHA512, 64, HashAlgorithmName.SHA512,
        "3051300d060960864801650304020305000440", () => new Sha512Digest());

    public static readonly RsaHash[] All = [Sha1, Sha224, Sha256, Sha384, Sha512];

    /// <summary>The hash named by a parameter's hashAlg; anything else is CKR_MECHANISM_PARAM_INVALID.</summary>
    public static RsaHash FromMechanism(ulong hashAlg) =>
        Array.Find(All, h => (ulong)h.Mechanism == hashAlg)
        ?? throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, $"hashAlg 0x{hashAlg:X} is not supported");

    /// <summary>The hash of an MGF1 code; anything else is CKR_MECHANISM_PARAM_INVALID.</summary>
    public static RsaHash FromMgf(ulong mgf) =>
        Array.Find(All, h => (ulong)h.Mgf == mgf)
        ?? throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, $"mgf 0x{mgf:X} is not supported");

    /// <summary>The hash whose DigestInfo <paramref name="input"/> is exactly (prefix || hLen bytes), or null.</summary>
    public static RsaHash? FromDigestInfo(ReadOnlySpan<byte> input)
    {
        foreach (var h in All)
            if (input.Length == h.DigestInfoPrefix.Length + h.Length && input.StartsWith(h.DigestInfoPrefix))
                return h;
        return null;
    }

    /// <summary>A running hash of a multi-part message.</summary>
    public MessageHash Start() => DotNet is { } name ? new MessageHash(IncrementalHash.CreateHash(name), null) : new MessageHash(null, CreateBouncyCastle());

    /// <summary>The hash of a whole message in one call: the platform's static one-shot where it has the
    /// hash (no hash object per C_Sign / C_Verify), else BouncyCastle.</summary>
    public byte[] Compute(ReadOnlySpan<byte> data)
    {
        if (DotNet is { } name) return CryptographicOperations.HashData(name, data);
        using var message = new MessageHash(null, CreateBouncyCastle());
        message.Append(data);
        return message.Finish();
    }

    /// <summary>prefix || hash: the T of EMSA-PKCS1-v1_5.</summary>
    public byte[] DigestInfo(ReadOnlySpan<byte> hash) => [.. DigestInfoPrefix, .. hash];
}

/// <summary>An incremental hash over .NET's IncrementalHash or a BouncyCastle digest.</summary>
internal sealed class MessageHash(IncrementalHash? dotNet, IDigest? bc) : IDisposable
{
    public void Append(ReadOnlySpan<byte> data)
    {
        if (dotNet is not null) dotNet.AppendData(data);
        else bc!.BlockUpdate(data);
    }

    public byte[] Finish()
    {
        if (dotNet is not null) return dotNet.GetHashAndReset();
        var output = new byte[bc!.GetDigestSize()];
        bc.DoFinal(output);
        return output;
    }

    public void Dispose()
    {
        dotNet?.Dispose();
        bc?.Reset();
    }
}
