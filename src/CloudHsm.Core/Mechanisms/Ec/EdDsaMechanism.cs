using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>
/// CKM_EDDSA on CKK_EC_EDWARDS keys (§6.3 "EdDSA"), single- and multi-part, over BouncyCastle. The
/// scheme follows from the curve and the optional CK_EDDSA_PARAMS, as §6.3's table maps them: no
/// parameter is Ed25519 (pure) or Ed448 with an empty context; phFlag false is Ed25519ctx or Ed448 with
/// the context; phFlag true is Ed25519ph or Ed448ph. BouncyCastle has all five schemes.
/// </summary>
internal sealed class EdDsaMechanism(MechanismInfo info) : ISignMechanism
{
    public MechanismInfo Info { get; } = info;

    public ISignOperation CreateSigner(Mechanism mechanism, HsmObject key) => Create(mechanism, key, CKO.CKO_PRIVATE_KEY);

    public IVerifyOperation CreateVerifier(Mechanism mechanism, HsmObject key) => Create(mechanism, key, CKO.CKO_PUBLIC_KEY);

    private static EdDsaOperation Create(Mechanism mechanism, HsmObject key, CKO objectClass)
    {
        var parameters = mechanism.Parameter switch
        {
            null => null,
            EddsaParameters p => p,
            _ => throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, "CKM_EDDSA takes a CK_EDDSA_PARAMS or nothing"),
        };
        CkrException.ThrowIf(parameters?.Context.Length > 255, CKR.CKR_MECHANISM_PARAM_INVALID, "an EdDSA context has at most 255 bytes");
        EcKeys.Require(key, objectClass, CKK.CKK_EC_EDWARDS);
        return new EdDsaOperation(EcKeys.Edwards(key), parameters, key.IsPrivate);
    }
}

/// <summary>One EdDSA signing or verification. Pure EdDSA reads the message twice (RFC 8032), so a
/// multi-part message is collected (§6.3 allows it); the pre-hash variants hash as they go.</summary>
internal sealed class EdDsaOperation : ISignOperation, IVerifyOperation
{
    private readonly EdwardsKey _key;
    private readonly bool _preHash;
    private readonly byte[]? _context;
    private readonly bool _usesPrivateObject;
    private MemoryStream? _message;
    private EcHash? _prehash;

    public EdDsaOperation(EdwardsKey key, EddsaParameters? parameters, bool usesPrivateObject)
    {
        _key = key;
        _preHash = parameters?.PreHash == true;
        // Ed25519 without a parameter is pure Ed25519, which has no context at all; Ed448 always has one.
        _context = parameters is not null ? parameters.Context : key.Curve == EcCurve.Ed448 ? [] : null;
        _usesPrivateObject = usesPrivateObject;
    }

    private bool IsEd25519 => _key.Curve == EcCurve.Ed25519;

    public bool UsesPrivateObject => _usesPrivateObject;

    /// <summary>R||S, each b/8 bytes: 64 for Ed25519, 114 for Ed448 (§6.3.1).</summary>
    public int SignatureLength => 2 * _key.Curve.KeyBytes;

    public void Update(ReadOnlySpan<byte> part)
    {
        if (_preHash) (_prehash ??= StartPrehash()).Append(part);
        else (_message ??= new MemoryStream()).Write(part);
    }

    public int Final(Span<byte> signature) => SignMessage(Collected(), signature);

    public int Sign(ReadOnlySpan<byte> data, Span<byte> signature)
    {
        CkrException.ThrowIf(_message is not null || _prehash is not null, CKR.CKR_OPERATION_ACTIVE, "a multi-part operation is under way");
        return SignMessage(_preHash ? Prehash(data) : data, signature);
    }

    public void Final(ReadOnlySpan<byte> signature) => VerifyMessage(Collected(), signature);

    public void Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        CkrException.ThrowIf(_message is not null || _prehash is not null, CKR.CKR_OPERATION_ACTIVE, "a multi-part operation is under way");
        VerifyMessage(_preHash ? Prehash(data) : data, signature);
    }

    /// <summary>The message (pure) or its pre-hash (ph) gathered by the updates.</summary>
    private ReadOnlySpan<byte> Collected() =>
        _preHash ? (_prehash ?? StartPrehash()).Finish()
                 : _message is null ? [] : _message.GetBuffer().AsSpan(0, (int)_message.Length);

    private EcHash StartPrehash() => EcHash.Start(IsEd25519 ? CKM.CKM_SHA512 : EcHash.Shake256x64);

    private byte[] Prehash(ReadOnlySpan<byte> data)
    {
        using var h = StartPrehash();
        h.Append(data);
        return h.Finish();
    }

    private int SignMessage(ReadOnlySpan<byte> message, Span<byte> output)
    {
        var signature = output[..SignatureLength]; // BouncyCastle wants the exact length, callers may give more
        switch (_key.Private)
        {
            case Ed25519PrivateKeyParameters k:
                k.Sign(Ed25519Algorithm, _context, message, signature);
                break;
            case Ed448PrivateKeyParameters k:
                k.Sign(_preHash ? Ed448.Algorithm.Ed448ph : Ed448.Algorithm.Ed448, _context, message, signature);
                break;
            default:
                throw new CkrException(CKR.CKR_GENERAL_ERROR, "not a private Edwards key");
        }
        return SignatureLength;
    }

    private void VerifyMessage(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        CkrException.ThrowIf(signature.Length != SignatureLength, CKR.CKR_SIGNATURE_LEN_RANGE,
            $"an {_key.Curve} signature has {SignatureLength} bytes");
        bool valid = _key.Public switch
        {
            Ed25519PublicKeyParameters k => k.Verify(Ed25519Algorithm, _context, message, signature),
            Ed448PublicKeyParameters k => k.Verify(_preHash ? Ed448.Algorithm.Ed448ph : Ed448.Algorithm.Ed448, _context, message, signature),
            _ => throw new CkrException(CKR.CKR_GENERAL_ERROR, "not a public Edwards key"),
        };
        CkrException.ThrowIf(!valid, CKR.CKR_SIGNATURE_INVALID);
    }

    private Ed25519.Algorithm Ed25519Algorithm =>
        _preHash ? Ed25519.Algorithm.Ed25519ph : _context is null ? Ed25519.Algorithm.Ed25519 : Ed25519.Algorithm.Ed25519ctx;

    public void Dispose()
    {
        _message?.Dispose();
        _prehash?.Dispose();
    }
}
