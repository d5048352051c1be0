using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>
/// CKM_ECDSA (single-part, over a caller's hash) and CKM_ECDSA_SHA1 … CKM_ECDSA_SHA512 (single- and
/// multi-part) on CKK_EC keys (§6.3). Signatures are r||s, each the length of the base point order
/// (IEEE P1363, §6.3.1). A hash longer than the order is truncated to its leftmost bits by OpenSSL, as
/// §6.3 asks of the token.
/// </summary>
internal sealed class EcdsaMechanism(CKM? hash, MechanismInfo info) : ISignMechanism
{
    public MechanismInfo Info { get; } = info;

    public ISignOperation CreateSigner(Mechanism mechanism, HsmObject key) => Create(mechanism, key, CKO.CKO_PRIVATE_KEY);

    public IVerifyOperation CreateVerifier(Mechanism mechanism, HsmObject key) => Create(mechanism, key, CKO.CKO_PUBLIC_KEY);

    private EcdsaOperation Create(Mechanism mechanism, HsmObject key, CKO objectClass)
    {
        CkrException.ThrowIf(mechanism.Parameter is not null, CKR.CKR_MECHANISM_PARAM_INVALID, "ECDSA takes no parameter");
        EcKeys.Require(key, objectClass, CKK.CKK_EC);
        return new EcdsaOperation(EcKeys.Weierstrass(key), hash, key.IsPrivate);
    }
}

/// <summary>One ECDSA signing or verification. The key's ECDSA form is shared (cached per key snapshot); this
/// holds only the running hash.</summary>
internal sealed class EcdsaOperation(WeierstrassKey key, CKM? hash, bool usesPrivateObject) : ISignOperation, IVerifyOperation
{
    private EcHash? _running;

    public bool UsesPrivateObject => usesPrivateObject;

    public int SignatureLength => 2 * key.Curve.SignatureHalf;

    public void Update(ReadOnlySpan<byte> part)
    {
        if (hash is null) throw SinglePartOnly.Refusal("CKM_ECDSA");
        (_running ??= EcHash.Start(hash!.Value)).Append(part);
    }

    public int Final(Span<byte> signature) => SignHash(FinishHash(), signature);

    public int Sign(ReadOnlySpan<byte> data, Span<byte> signature) =>
        hash is null ? SignHash(data, signature) : SignHash(OneShotHash(data), signature);

    public void Final(ReadOnlySpan<byte> signature) => VerifyHash(FinishHash(), signature);

    public void Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (hash is null) VerifyHash(data, signature);
        else VerifyHash(OneShotHash(data), signature);
    }

    private byte[] OneShotHash(ReadOnlySpan<byte> data)
    {
        CkrException.ThrowIf(_running is not null, CKR.CKR_OPERATION_ACTIVE, "a multi-part operation is under way");
        return EcHash.Compute(hash!.Value, data);
    }

    private byte[] FinishHash()
    {
        if (hash is null) throw SinglePartOnly.Refusal("CKM_ECDSA");
        return _running is null ? EcHash.Compute(hash!.Value, []) : _running.Finish();
    }

    private int SignHash(ReadOnlySpan<byte> digest, Span<byte> signature) =>
        key.Ecdsa.Sign(EcdsaInput(digest), signature);

    /// <summary>
    /// The signature must be exactly r||s of nLen bytes each. The current spec draft (§6.3.1) lets a caller
    /// send shorter halves; this token does not, like SoftHSM2 and kryoptic and IEEE P1363 itself: a
    /// leading-zero-stripped encoding is a second encoding of one signature, which Wycheproof's P1363 vectors
    /// require a verifier to refuse. Any other length is CKR_SIGNATURE_LEN_RANGE.
    /// </summary>
    private void VerifyHash(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature)
    {
        CkrException.ThrowIf(signature.Length != SignatureLength, CKR.CKR_SIGNATURE_LEN_RANGE,
            $"an ECDSA signature on {key.Curve} has {SignatureLength} bytes");
        CkrException.ThrowIf(!key.Ecdsa.Verify(EcdsaInput(digest), signature), CKR.CKR_SIGNATURE_INVALID);
    }

    /// <summary>The hash as ECDSA uses it. OpenSSL truncates a long hash itself; an empty one it would
    /// refuse, and ECDSA defines it as the integer 0, which one zero byte also is.</summary>
    private static ReadOnlySpan<byte> EcdsaInput(ReadOnlySpan<byte> digest) => digest.IsEmpty ? [0] : digest;

    public void Dispose() => _running?.Dispose();
}
