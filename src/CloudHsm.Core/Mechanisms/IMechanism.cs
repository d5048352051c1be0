using CloudHsm.Core.Backend;

namespace CloudHsm.Core.Mechanisms;

/// <summary>A mechanism family's implementation; its info (key sizes, CKF_* flags) is declared with it.</summary>
public interface IMechanism
{
    MechanismInfo Info { get; }
}

/// <summary>An operation in a session's slot. Disposed when it ends, however it ends.</summary>
public interface IOperation : IDisposable
{
    /// <summary>True when the operation uses a private object, so logging out must cancel it (softhsm/SoftHSMv2#900).</summary>
    bool UsesPrivateObject { get; }
}

public interface IDigestMechanism : IMechanism
{
    IDigestOperation CreateDigest(Mechanism mechanism);
}

public interface IDigestOperation : IOperation
{
    int DigestLength { get; }
    void Update(ReadOnlySpan<byte> part);
    /// <summary>Writes the digest of everything given so far; <paramref name="output"/> is at least <see cref="DigestLength"/>.</summary>
    int Final(Span<byte> output);

    /// <summary>C_Digest: the digest of <paramref name="data"/> alone, on the one-shot path (no hash context
    /// is needed when nothing came before).</summary>
    int Digest(ReadOnlySpan<byte> data, Span<byte> output);
}

public interface ISignMechanism : IMechanism
{
    ISignOperation CreateSigner(Mechanism mechanism, Objects.HsmObject key);
    IVerifyOperation CreateVerifier(Mechanism mechanism, Objects.HsmObject key);
}

public interface ISignOperation : IOperation
{
    int SignatureLength { get; }
    void Update(ReadOnlySpan<byte> part);
    int Final(Span<byte> signature);
    int Sign(ReadOnlySpan<byte> data, Span<byte> signature);
}

/// <summary>Verification; a bad signature is CKR_SIGNATURE_INVALID, a wrong length CKR_SIGNATURE_LEN_RANGE.</summary>
public interface IVerifyOperation : IOperation
{
    void Update(ReadOnlySpan<byte> part);
    void Final(ReadOnlySpan<byte> signature);
    void Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);
}

public interface IRecoverMechanism : IMechanism
{
    IRecoverOperation CreateSignRecover(Mechanism mechanism, Objects.HsmObject key);
    IRecoverOperation CreateVerifyRecover(Mechanism mechanism, Objects.HsmObject key);
}

public interface IRecoverOperation : IOperation
{
    int OutputLength(int inputLength);
    int Run(ReadOnlySpan<byte> input, Span<byte> output);
}

public interface ICipherMechanism : IMechanism
{
    ICipherOperation CreateEncryptor(Mechanism mechanism, Objects.HsmObject key);
    ICipherOperation CreateDecryptor(Mechanism mechanism, Objects.HsmObject key);
}

/// <summary>Encryption or decryption. Lengths are exact where known before the work, else a safe upper
/// bound (kryoptic encryption_len); the call then returns what it wrote.</summary>
public interface ICipherOperation : IOperation
{
    int OneShotLength(int inputLength);
    int UpdateLength(int inputLength);
    int FinalLength();
    int OneShot(ReadOnlySpan<byte> input, Span<byte> output);
    int Update(ReadOnlySpan<byte> input, Span<byte> output);
    int Final(Span<byte> output);
}

public interface IKeyGenMechanism : IMechanism
{
    Objects.HsmObject Generate(Mechanism mechanism, Attributes.Template template, Objects.ObjectContext context);
}

public interface IKeyPairGenMechanism : IMechanism
{
    (Objects.HsmObject PublicKey, Objects.HsmObject PrivateKey) Generate(Mechanism mechanism,
        Attributes.Template publicTemplate, Attributes.Template privateTemplate, Objects.ObjectContext context);
}

public interface IWrapMechanism : IMechanism
{
    int WrappedLength(Mechanism mechanism, Objects.HsmObject wrappingKey, Objects.HsmObject key);
    int Wrap(Mechanism mechanism, Objects.HsmObject wrappingKey, Objects.HsmObject key, Span<byte> output);
    Objects.HsmObject Unwrap(Mechanism mechanism, Objects.HsmObject unwrappingKey, ReadOnlySpan<byte> wrapped,
        Attributes.Template template, Objects.ObjectContext context);
}

public interface IDeriveMechanism : IMechanism
{
    /// <summary>The derived key, then any additional keys the parameter asks for (SP 800-108's CK_DERIVED_KEY)
    /// in their order. The backend stores them all or none.</summary>
    Objects.HsmObject[] Derive(Mechanism mechanism, Objects.HsmObject baseKey, Attributes.Template template, Objects.ObjectContext context);
}
