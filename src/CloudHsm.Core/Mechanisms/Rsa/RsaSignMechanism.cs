using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Rsa;

/// <summary>
/// A signature-only RSA mechanism: CKM_SHA*_RSA_PKCS (no parameter), CKM_RSA_PKCS_PSS and CKM_SHA*_RSA_PKCS_PSS
/// (CK_RSA_PKCS_PSS_PARAMS). <paramref name="hash"/> is the mechanism's own hash, null for CKM_RSA_PKCS_PSS.
/// </summary>
internal sealed class RsaSignMechanism(RsaHash? hash, bool pss) : ISignMechanism
{
    public MechanismInfo Info { get; } = new(RsaKey.MinBits, RsaKey.MaxBits, CKF.CKF_SIGN | CKF.CKF_VERIFY);

    public ISignOperation CreateSigner(Mechanism mechanism, HsmObject key)
    {
        var rsa = RsaKey.Private(key);
        return new RsaSignOperation(rsa, Scheme(mechanism, rsa), hash, digestInfo: !pss, key.IsPrivate);
    }

    public IVerifyOperation CreateVerifier(Mechanism mechanism, HsmObject key)
    {
        var rsa = RsaKey.Public(key);
        return new RsaVerifyOperation(rsa, Scheme(mechanism, rsa), hash, digestInfo: !pss, key.IsPrivate);
    }

    private IRsaSignatureScheme Scheme(Mechanism mechanism, RsaKey key)
    {
        if (pss) return PssScheme.Create(mechanism, key, hash);
        CkrException.ThrowIf(mechanism.Parameter is not null, CKR.CKR_MECHANISM_PARAM_INVALID, $"{mechanism.Type} takes no parameter");
        return Pkcs1Scheme.Instance;
    }
}

/// <summary>
/// CKM_RSA_PKCS and CKM_RSA_X_509: single-part signatures with and without recovery, encryption, and (through
/// the generic key wrap over CKF_WRAP ciphers) wrapping. No parameter.
/// </summary>
internal sealed class RsaMultiPurposeMechanism<TScheme>(TScheme scheme, ulong extraFlags) : ISignMechanism, IRecoverMechanism, ICipherMechanism
    where TScheme : IRsaRecoverScheme, IRsaEncryptionScheme
{
    public MechanismInfo Info { get; } = new(RsaKey.MinBits, RsaKey.MaxBits,
        CKF.CKF_SIGN | CKF.CKF_VERIFY | CKF.CKF_SIGN_RECOVER | CKF.CKF_VERIFY_RECOVER | CKF.CKF_ENCRYPT | CKF.CKF_DECRYPT | extraFlags);

    public ISignOperation CreateSigner(Mechanism mechanism, HsmObject key) =>
        new RsaSignOperation(Private(mechanism, key), scheme, null, false, key.IsPrivate);

    public IVerifyOperation CreateVerifier(Mechanism mechanism, HsmObject key) =>
        new RsaVerifyOperation(Public(mechanism, key), scheme, null, false, key.IsPrivate);

    public IRecoverOperation CreateSignRecover(Mechanism mechanism, HsmObject key) =>
        new RsaRecoverOperation(Private(mechanism, key), scheme, sign: true, key.IsPrivate);

    public IRecoverOperation CreateVerifyRecover(Mechanism mechanism, HsmObject key) =>
        new RsaRecoverOperation(Public(mechanism, key), scheme, sign: false, key.IsPrivate);

    public ICipherOperation CreateEncryptor(Mechanism mechanism, HsmObject key) =>
        new RsaCipherOperation(Public(mechanism, key), scheme, encrypt: true, key.IsPrivate);

    public ICipherOperation CreateDecryptor(Mechanism mechanism, HsmObject key) =>
        new RsaCipherOperation(Private(mechanism, key), scheme, encrypt: false, key.IsPrivate);

    private static RsaKey Public(Mechanism mechanism, HsmObject key)
    {
        NoParameter(mechanism);
        return RsaKey.Public(key);
    }

    private static RsaKey Private(Mechanism mechanism, HsmObject key)
    {
        NoParameter(mechanism);
        return RsaKey.Private(key);
    }

    private static void NoParameter(Mechanism mechanism) =>
        CkrException.ThrowIf(mechanism.Parameter is not null, CKR.CKR_MECHANISM_PARAM_INVALID, $"{mechanism.Type} takes no parameter");
}

/// <summary>An encryption-only RSA mechanism whose scheme depends on its parameter: CKM_RSA_PKCS_OAEP,
/// CKM_RSA_AES_KEY_WRAP.</summary>
internal sealed class RsaCipherMechanism(ulong flags, Func<Mechanism, IRsaEncryptionScheme> scheme) : ICipherMechanism
{
    public MechanismInfo Info { get; } = new(RsaKey.MinBits, RsaKey.MaxBits, flags);

    public ICipherOperation CreateEncryptor(Mechanism mechanism, HsmObject key)
    {
        var rsa = RsaKey.Public(key);
        return new RsaCipherOperation(rsa, scheme(mechanism), encrypt: true, key.IsPrivate);
    }

    public ICipherOperation CreateDecryptor(Mechanism mechanism, HsmObject key)
    {
        var rsa = RsaKey.Private(key);
        return new RsaCipherOperation(rsa, scheme(mechanism), encrypt: false, key.IsPrivate);
    }
}
