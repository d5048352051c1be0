using System.Security.Cryptography;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace CloudHsm.Core.Mechanisms.Rsa;

/// <summary>
/// RSASSA-PSS over a hash (§6.1.8-6.1.9, RFC 8017 §8.1). OpenSSL (through .NET) signs when the MGF1 hash is the
/// message hash and the salt is as long as the hash, which is .NET's only PSS; any other valid parameters go
/// to BouncyCastle's PssSigner in raw mode, so they are honoured rather than refused.
/// </summary>
internal sealed class PssScheme : IRsaSignatureScheme
{
    private readonly RsaHash _hash;
    private readonly RsaHash _mgf;
    private readonly int _saltLength;

    private PssScheme(RsaHash hash, RsaHash mgf, int saltLength)
    {
        _hash = hash;
        _mgf = mgf;
        _saltLength = saltLength;
    }

    public RsaHash Hash => _hash;

    /// <summary>
    /// Checks CK_RSA_PKCS_PSS_PARAMS against the mechanism and the key: hashAlg must be the mechanism's own hash
    /// when it has one, and sLen at most k*-2-hLen (k* is k-1 when the modulus has 8n+1 bits); otherwise
    /// CKR_MECHANISM_PARAM_INVALID.
    /// </summary>
    public static PssScheme Create(Mechanism mechanism, RsaKey key, RsaHash? mechanismHash)
    {
        if (mechanism.Parameter is not RsaPssParameter p)
            throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, "a CK_RSA_PKCS_PSS_PARAMS parameter is required");
        var hash = RsaHash.FromMechanism(p.HashAlg);
        CkrException.ThrowIf(mechanismHash is not null && hash != mechanismHash, CKR.CKR_MECHANISM_PARAM_INVALID,
            $"hashAlg must be {mechanismHash?.Mechanism} for {mechanism.Type}");
        var mgf = RsaHash.FromMgf(p.Mgf);
        int kStar = key.Bits % 8 == 1 ? key.Length - 1 : key.Length;
        CkrException.ThrowIf(p.SaltLength > (ulong)(kStar - 2 - hash.Length), CKR.CKR_MECHANISM_PARAM_INVALID,
            "sLen is longer than k*-2-hLen");
        return new PssScheme(hash, mgf, (int)p.SaltLength);
    }

    private bool OpenSslCan => _hash.DotNet is not null && _mgf == _hash && _saltLength == _hash.Length;

    public void Sign(RsaKey key, ReadOnlySpan<byte> input, Span<byte> signature)
    {
        CheckInput(input.Length);
        if (OpenSslCan)
        {
            if (!key.Rsa.TrySignHash(input, signature, _hash.DotNet!.Value, RSASignaturePadding.Pss, out int written) || written != key.Length)
                throw new CkrException(CKR.CKR_FUNCTION_FAILED, "RSA-PSS signing failed");
            return;
        }
        var signer = Signer(key, forSigning: true, input);
        byte[] result = signer.GenerateSignature();
        signature[..key.Length].Clear();
        result.CopyTo(signature[(key.Length - result.Length)..key.Length]);
    }

    public void Verify(RsaKey key, ReadOnlySpan<byte> input, ReadOnlySpan<byte> signature)
    {
        CheckInput(input.Length);
        bool valid = OpenSslCan
            ? key.Rsa.VerifyHash(input, signature, _hash.DotNet!.Value, RSASignaturePadding.Pss)
            : VerifyWithBouncyCastle(key, input, signature);
        CkrException.ThrowIf(!valid, CKR.CKR_SIGNATURE_INVALID);
    }

    private bool VerifyWithBouncyCastle(RsaKey key, ReadOnlySpan<byte> input, ReadOnlySpan<byte> signature)
    {
        if (!RsaRaw.BelowModulus(key, signature)) return false;
        try
        {
            return Signer(key, forSigning: false, input).VerifySignature(signature.ToArray());
        }
        catch (CryptoException)
        {
            return false;
        }
    }

    /// <summary>A raw PSS signer (the hash is given, not computed) primed with <paramref name="hash"/>.</summary>
    private PssSigner Signer(RsaKey key, bool forSigning, ReadOnlySpan<byte> hash)
    {
        var signer = PssSigner.CreateRawSigner(new RsaBlindedEngine(), _hash.CreateBouncyCastle(), _mgf.CreateBouncyCastle(),
            _saltLength, PssSigner.TrailerImplicit);
        signer.Init(forSigning, forSigning ? new ParametersWithRandom(key.Bc, new SecureRandom()) : key.Bc);
        signer.BlockUpdate(hash);
        return signer;
    }

    /// <summary>The input of CKM_RSA_PKCS_PSS is the hash: exactly hLen bytes (§6.1.9 table).</summary>
    private void CheckInput(int length) =>
        CkrException.ThrowIf(length != _hash.Length, CKR.CKR_DATA_LEN_RANGE, $"the input must be a {_hash.Length}-byte hash");
}
