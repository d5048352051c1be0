using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Rsa;

/// <summary>
/// The shapes of an RSA signature operation. A mechanism without hashing (CKM_RSA_PKCS, CKM_RSA_PKCS_PSS,
/// CKM_RSA_X_509) is single-part only (§6.1 table footnote 1): C_SignUpdate/C_SignFinal get
/// <see cref="SinglePartOnly"/>'s answer. A hashing mechanism accumulates parts
/// and hands the scheme the DigestInfo (PKCS #1 v1.5) or the bare hash (PSS).
/// </summary>
internal abstract class RsaSignatureOperation(RsaKey key, IRsaSignatureScheme scheme, RsaHash? hash, bool digestInfo, bool usesPrivateObject)
    : IDisposable
{
    /// <summary>The running hash, made at the first C_*Update: a one-shot C_Sign / C_Verify hashes its data
    /// with <see cref="RsaHash.Compute"/> and makes no hash object.</summary>
    private MessageHash? _message;

    protected RsaKey Key => key;

    protected IRsaSignatureScheme Scheme => scheme;

    public bool UsesPrivateObject => usesPrivateObject;

    public void Update(ReadOnlySpan<byte> part)
    {
        if (hash is null)
            throw SinglePartOnly.Refusal("this mechanism");
        (_message ??= hash.Start()).Append(part);
    }

    /// <summary>What the scheme signs for the message so far: the single-part input, or its (encoded) hash.</summary>
    protected byte[] SchemeInput(ReadOnlySpan<byte> lastPart, bool final)
    {
        if (hash is null)
        {
            if (final) throw SinglePartOnly.Refusal("this mechanism");
            return lastPart.ToArray();
        }
        byte[] digest;
        if (_message is null)
        {
            digest = hash.Compute(lastPart);
        }
        else
        {
            _message.Append(lastPart);
            digest = _message.Finish();
        }
        return digestInfo ? hash.DigestInfo(digest) : digest;
    }

    public void Dispose() => _message?.Dispose();
}

internal sealed class RsaSignOperation(RsaKey key, IRsaSignatureScheme scheme, RsaHash? hash, bool digestInfo, bool usesPrivateObject)
    : RsaSignatureOperation(key, scheme, hash, digestInfo, usesPrivateObject), ISignOperation
{
    public int SignatureLength => Key.Length;

    public int Final(Span<byte> signature) => Produce([], final: true, signature);

    public int Sign(ReadOnlySpan<byte> data, Span<byte> signature) => Produce(data, final: false, signature);

    private int Produce(ReadOnlySpan<byte> data, bool final, Span<byte> signature)
    {
        byte[] input = SchemeInput(data, final);
        try
        {
            Scheme.Sign(Key, input, signature);
            return Key.Length;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
        }
    }
}

internal sealed class RsaVerifyOperation(RsaKey key, IRsaSignatureScheme scheme, RsaHash? hash, bool digestInfo, bool usesPrivateObject)
    : RsaSignatureOperation(key, scheme, hash, digestInfo, usesPrivateObject), IVerifyOperation
{
    public void Final(ReadOnlySpan<byte> signature) => Check([], final: true, signature);

    public void Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => Check(data, final: false, signature);

    private void Check(ReadOnlySpan<byte> data, bool final, ReadOnlySpan<byte> signature)
    {
        // The data's own faults (too long for the scheme) come before the signature's, as the spec orders them.
        byte[] input = SchemeInput(data, final);
        CkrException.ThrowIf(signature.Length != Key.Length, CKR.CKR_SIGNATURE_LEN_RANGE, "an RSA signature is k bytes");
        Scheme.Verify(Key, input, signature);
    }
}

/// <summary>C_SignRecover and C_VerifyRecover (single-part).</summary>
internal sealed class RsaRecoverOperation(RsaKey key, IRsaRecoverScheme scheme, bool sign, bool usesPrivateObject) : IRecoverOperation
{
    public bool UsesPrivateObject => usesPrivateObject;

    public int OutputLength(int inputLength) => sign ? key.Length : scheme.RecoveredLength(key);

    public int Run(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (sign)
        {
            scheme.Sign(key, input, output);
            return key.Length;
        }
        CkrException.ThrowIf(input.Length != key.Length, CKR.CKR_SIGNATURE_LEN_RANGE, "an RSA signature is k bytes");
        return scheme.Recover(key, input, output);
    }

    public void Dispose()
    {
    }
}
