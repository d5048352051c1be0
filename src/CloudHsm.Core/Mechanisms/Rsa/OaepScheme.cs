using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace CloudHsm.Core.Mechanisms.Rsa;

/// <summary>
/// RSAES-OAEP (§6.1.7, RFC 8017 §7.1): plaintext at most k-2-2hLen bytes. OpenSSL (through .NET) handles the
/// common case — MGF1 over the same hash, empty label; BouncyCastle's OaepEncoding the others (another MGF1
/// hash, a label), so every parameter set the spec allows works.
/// </summary>
internal sealed class OaepScheme : IRsaEncryptionScheme
{
    private readonly RsaHash _hash;
    private readonly RsaHash _mgf;
    private readonly byte[] _label;

    private OaepScheme(RsaHash hash, RsaHash mgf, byte[] label)
    {
        _hash = hash;
        _mgf = mgf;
        _label = label;
    }

    /// <summary>Checks CK_RSA_PKCS_OAEP_PARAMS: a supported hashAlg and MGF1, source CKZ_DATA_SPECIFIED
    /// (0 is tolerated without a label, as some callers send it); else CKR_MECHANISM_PARAM_INVALID.</summary>
    public static OaepScheme Create(RsaOaepParameter? p)
    {
        if (p is null)
            throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, "a CK_RSA_PKCS_OAEP_PARAMS parameter is required");
        var hash = RsaHash.FromMechanism(p.HashAlg);
        var mgf = RsaHash.FromMgf(p.Mgf);
        bool sourceOk = p.Source == (ulong)CKZ.CKZ_DATA_SPECIFIED || (p.Source == 0 && p.SourceData.Length == 0);
        CkrException.ThrowIf(!sourceOk, CKR.CKR_MECHANISM_PARAM_INVALID, "source must be CKZ_DATA_SPECIFIED");
        return new OaepScheme(hash, mgf, (byte[])p.SourceData.Clone());
    }

    private RSAEncryptionPadding? OpenSslPadding =>
        _hash.DotNet is { } name && _mgf == _hash && _label.Length == 0 ? RSAEncryptionPadding.CreateOaep(name) : null;

    public int EncryptedLength(RsaKey key, int inputLength)
    {
        CkrException.ThrowIf(inputLength > key.Length - 2 - 2 * _hash.Length, CKR.CKR_DATA_LEN_RANGE,
            "OAEP plaintext is at most k-2-2hLen bytes");
        return key.Length;
    }

    public int Encrypt(RsaKey key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (OpenSslPadding is { } padding)
        {
            if (!key.Rsa.TryEncrypt(input, output, padding, out int written) || written != key.Length)
                throw new CkrException(CKR.CKR_FUNCTION_FAILED, "RSA-OAEP encryption failed");
            return written;
        }
        var encoding = Encoding(key, forEncryption: true);
        byte[] block = encoding.ProcessBlock(input.ToArray(), 0, input.Length);
        output[..key.Length].Clear();
        block.CopyTo(output[(key.Length - block.Length)..key.Length]);
        return key.Length;
    }

    public int DecryptedLength(RsaKey key, int inputLength)
    {
        CkrException.ThrowIf(inputLength != key.Length, CKR.CKR_ENCRYPTED_DATA_LEN_RANGE, "the ciphertext must be k bytes");
        return key.Length - 2 - 2 * _hash.Length;
    }

    /// <summary>Every failure — a value not below the modulus, a bad lHash, a missing separator, a non-zero
    /// first byte — is the same CKR_ENCRYPTED_DATA_INVALID with the same message (Manger's attack).</summary>
    public int Decrypt(RsaKey key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        var plain = new byte[key.Length];
        try
        {
            int written = TryDecrypt(key, input, plain);
            if (written < 0) throw new CkrException(CKR.CKR_ENCRYPTED_DATA_INVALID);
            plain.AsSpan(0, written).CopyTo(output);
            return written;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>The plaintext length, or -1 for any failure.</summary>
    private int TryDecrypt(RsaKey key, ReadOnlySpan<byte> input, byte[] plain)
    {
        if (!RsaRaw.BelowModulus(key, input)) return -1;
        try
        {
            if (OpenSslPadding is { } padding)
                return key.Rsa.TryDecrypt(input, plain, padding, out int written) ? written : -1;
            byte[] result = Encoding(key, forEncryption: false).ProcessBlock(input.ToArray(), 0, input.Length);
            result.CopyTo(plain, 0);
            CryptographicOperations.ZeroMemory(result);
            return result.Length;
        }
        catch (Exception e) when (e is CryptographicException or CryptoException)
        {
            return -1;
        }
    }

    private OaepEncoding Encoding(RsaKey key, bool forEncryption)
    {
        var encoding = new OaepEncoding(new RsaBlindedEngine(), _hash.CreateBouncyCastle(), _mgf.CreateBouncyCastle(), _label);
        encoding.Init(forEncryption, new ParametersWithRandom(key.Bc, new SecureRandom()));
        return encoding;
    }
}
