using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Mechanisms.Wrapping;
using CloudHsm.Core.Objects;
using CloudHsm.Core.Sessions;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Embedded;

/// <summary>
/// The cryptographic functions: each *Init finds the mechanism in the registry, checks the key
/// (<see cref="KeyUsage"/>) and puts an operation in the session's slot; the calls after it go through
/// <see cref="SessionOperations"/>, which owns the size-query and end-of-operation rules.
/// </summary>
public sealed partial class EmbeddedBackend
{
    // --- Encryption and decryption -------------------------------------------------------------

    public void EncryptInit(ulong session, Mechanism mechanism, ulong key) =>
        StartKeyed(session, OperationKind.Encrypt, mechanism, key, CKA.CKA_ENCRYPT,
            static (m, k, mech) => m.Get<ICipherMechanism>(mech.Type).CreateEncryptor(mech, k));

    public int Encrypt(ulong session, ReadOnlySpan<byte> data, Span<byte> output, bool sizeQuery) =>
        Produce<ICipherOperation>(session, OperationKind.Encrypt, data, output, sizeQuery, ends: true,
            static (op, n) => op.OneShotLength(n), static (op, i, o) => op.OneShot(i, o));

    public int EncryptUpdate(ulong session, ReadOnlySpan<byte> part, Span<byte> output, bool sizeQuery) =>
        Produce<ICipherOperation>(session, OperationKind.Encrypt, part, output, sizeQuery, ends: false,
            static (op, n) => op.UpdateLength(n), static (op, i, o) => op.Update(i, o));

    public int EncryptFinal(ulong session, Span<byte> output, bool sizeQuery) =>
        Produce<ICipherOperation>(session, OperationKind.Encrypt, default, output, sizeQuery, ends: true,
            static (op, _) => op.FinalLength(), static (op, _, o) => op.Final(o));

    public void DecryptInit(ulong session, Mechanism mechanism, ulong key) =>
        StartKeyed(session, OperationKind.Decrypt, mechanism, key, CKA.CKA_DECRYPT,
            static (m, k, mech) => m.Get<ICipherMechanism>(mech.Type).CreateDecryptor(mech, k));

    public int Decrypt(ulong session, ReadOnlySpan<byte> data, Span<byte> output, bool sizeQuery) =>
        Produce<ICipherOperation>(session, OperationKind.Decrypt, data, output, sizeQuery, ends: true,
            static (op, n) => op.OneShotLength(n), static (op, i, o) => op.OneShot(i, o));

    public int DecryptUpdate(ulong session, ReadOnlySpan<byte> part, Span<byte> output, bool sizeQuery) =>
        Produce<ICipherOperation>(session, OperationKind.Decrypt, part, output, sizeQuery, ends: false,
            static (op, n) => op.UpdateLength(n), static (op, i, o) => op.Update(i, o));

    public int DecryptFinal(ulong session, Span<byte> output, bool sizeQuery) =>
        Produce<ICipherOperation>(session, OperationKind.Decrypt, default, output, sizeQuery, ends: true,
            static (op, _) => op.FinalLength(), static (op, _, o) => op.Final(o));

    // --- Message digesting ---------------------------------------------------------------------

    public void DigestInit(ulong session, Mechanism mechanism)
    {
        var s = _sessions.Get(session);
        lock (s.Sync)
        {
            CkrException.ThrowIf(s.Operations.IsActive(OperationKind.Digest, s.Token.LoginEpoch), CKR.CKR_OPERATION_ACTIVE);
            s.Operations.Start(OperationKind.Digest, _mechanisms.Get<IDigestMechanism>(mechanism.Type).CreateDigest(mechanism),
                s.Token.LoginEpoch);
        }
    }

    public int Digest(ulong session, ReadOnlySpan<byte> data, Span<byte> output, bool sizeQuery) =>
        Produce<IDigestOperation>(session, OperationKind.Digest, data, output, sizeQuery, ends: true,
            static (op, _) => op.DigestLength, static (op, i, o) => op.Digest(i, o));

    public void DigestUpdate(ulong session, ReadOnlySpan<byte> part) =>
        Consume<IDigestOperation>(session, OperationKind.Digest, part, ends: false, static (op, i) => op.Update(i));

    /// <summary>C_DigestKey: digests a secret key's value without revealing it (§5.10).</summary>
    public void DigestKey(ulong session, ulong key)
    {
        var s = _sessions.Get(session);
        lock (s.Sync)
        {
            var operation = s.Operations.Get<IDigestOperation>(OperationKind.Digest, s.Token.LoginEpoch);
            try
            {
                var obj = KeyToDigest(s, key);
                if (obj.Class != CKO.CKO_SECRET_KEY || !obj.Attributes.TryGetValue(CKA.CKA_VALUE, out var value))
                    throw new CkrException(CKR.CKR_KEY_INDIGESTIBLE, "only secret keys can be digested");
                operation.Update(value);
            }
            catch (CkrException e) when (e.Rv is CKR.CKR_KEY_HANDLE_INVALID or CKR.CKR_KEY_INDIGESTIBLE)
            {
                throw; // the spec keeps the operation active after a bad key handle
            }
            catch
            {
                s.Operations.End(OperationKind.Digest);
                throw;
            }
        }
    }

    /// <summary>The key for C_DigestKey. A public token key's value stays sealed until a login opens it; §5.12 lists
    /// no CKR_USER_NOT_LOGGED_IN for C_DigestKey, and "cannot be digested for some reason" is CKR_KEY_INDIGESTIBLE.</summary>
    private static HsmObject KeyToDigest(Session s, ulong key)
    {
        try
        {
            return s.Token.KeyForUse(key, s.State);
        }
        catch (CkrException e) when (e.Rv == CKR.CKR_USER_NOT_LOGGED_IN)
        {
            throw new CkrException(CKR.CKR_KEY_INDIGESTIBLE, "the key's value needs a login to open", e);
        }
    }

    public int DigestFinal(ulong session, Span<byte> output, bool sizeQuery) =>
        Produce<IDigestOperation>(session, OperationKind.Digest, default, output, sizeQuery, ends: true,
            static (op, _) => op.DigestLength, static (op, _, o) => op.Final(o));

    // --- Signing, MACing and verification ------------------------------------------------------

    public void SignInit(ulong session, Mechanism mechanism, ulong key) =>
        StartKeyed(session, OperationKind.Sign, mechanism, key, CKA.CKA_SIGN,
            static (m, k, mech) => m.Get<ISignMechanism>(mech.Type).CreateSigner(mech, k));

    public int Sign(ulong session, ReadOnlySpan<byte> data, Span<byte> output, bool sizeQuery) =>
        Produce<ISignOperation>(session, OperationKind.Sign, data, output, sizeQuery, ends: true,
            static (op, _) => op.SignatureLength, static (op, i, o) => op.Sign(i, o));

    public void SignUpdate(ulong session, ReadOnlySpan<byte> part) =>
        Consume<ISignOperation>(session, OperationKind.Sign, part, ends: false, static (op, i) => op.Update(i));

    public int SignFinal(ulong session, Span<byte> output, bool sizeQuery) =>
        Produce<ISignOperation>(session, OperationKind.Sign, default, output, sizeQuery, ends: true,
            static (op, _) => op.SignatureLength, static (op, _, o) => op.Final(o));

    public void SignRecoverInit(ulong session, Mechanism mechanism, ulong key) =>
        StartKeyed(session, OperationKind.SignRecover, mechanism, key, CKA.CKA_SIGN_RECOVER,
            static (m, k, mech) => m.Get<IRecoverMechanism>(mech.Type).CreateSignRecover(mech, k));

    public int SignRecover(ulong session, ReadOnlySpan<byte> data, Span<byte> output, bool sizeQuery) =>
        Produce<IRecoverOperation>(session, OperationKind.SignRecover, data, output, sizeQuery, ends: true,
            static (op, n) => op.OutputLength(n), static (op, i, o) => op.Run(i, o));

    public void VerifyInit(ulong session, Mechanism mechanism, ulong key) =>
        StartKeyed(session, OperationKind.Verify, mechanism, key, CKA.CKA_VERIFY,
            static (m, k, mech) => m.Get<ISignMechanism>(mech.Type).CreateVerifier(mech, k));

    public void Verify(ulong session, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        var s = _sessions.Get(session);
        lock (s.Sync)
        {
            var operation = s.Operations.Get<IVerifyOperation>(OperationKind.Verify, s.Token.LoginEpoch);
            try
            {
                operation.Verify(data, signature);
            }
            finally
            {
                s.Operations.End(OperationKind.Verify);
            }
        }
    }

    public void VerifyUpdate(ulong session, ReadOnlySpan<byte> part) =>
        Consume<IVerifyOperation>(session, OperationKind.Verify, part, ends: false, static (op, i) => op.Update(i));

    public void VerifyFinal(ulong session, ReadOnlySpan<byte> signature) =>
        Consume<IVerifyOperation>(session, OperationKind.Verify, signature, ends: true, static (op, sig) => op.Final(sig));

    public void VerifyRecoverInit(ulong session, Mechanism mechanism, ulong key) =>
        StartKeyed(session, OperationKind.VerifyRecover, mechanism, key, CKA.CKA_VERIFY_RECOVER,
            static (m, k, mech) => m.Get<IRecoverMechanism>(mech.Type).CreateVerifyRecover(mech, k));

    public int VerifyRecover(ulong session, ReadOnlySpan<byte> signature, Span<byte> output, bool sizeQuery) =>
        Produce<IRecoverOperation>(session, OperationKind.VerifyRecover, signature, output, sizeQuery, ends: true,
            static (op, n) => op.OutputLength(n), static (op, i, o) => op.Run(i, o));

    // --- Dual-function operations: both halves must be active (CKF_DUAL_CRYPTO_OPERATIONS) -----

    public int DigestEncryptUpdate(ulong session, ReadOnlySpan<byte> part, Span<byte> output, bool sizeQuery) =>
        DualUpdate<IDigestOperation>(session, OperationKind.Digest, OperationKind.Encrypt, part, output, sizeQuery,
            static (op, plain) => op.Update(plain));

    public int DecryptDigestUpdate(ulong session, ReadOnlySpan<byte> part, Span<byte> output, bool sizeQuery) =>
        DualUpdate<IDigestOperation>(session, OperationKind.Digest, OperationKind.Decrypt, part, output, sizeQuery,
            static (op, plain) => op.Update(plain));

    public int SignEncryptUpdate(ulong session, ReadOnlySpan<byte> part, Span<byte> output, bool sizeQuery) =>
        DualUpdate<ISignOperation>(session, OperationKind.Sign, OperationKind.Encrypt, part, output, sizeQuery,
            static (op, plain) => op.Update(plain));

    public int DecryptVerifyUpdate(ulong session, ReadOnlySpan<byte> part, Span<byte> output, bool sizeQuery) =>
        DualUpdate<IVerifyOperation>(session, OperationKind.Verify, OperationKind.Decrypt, part, output, sizeQuery,
            static (op, plain) => op.Update(plain));

    /// <summary>The shape of the four dual-function calls: the cipher half runs its update, and the other
    /// half (digest, sign, verify) is fed the plaintext — the input when encrypting, the output when decrypting.</summary>
    private int DualUpdate<TOther>(ulong session, OperationKind otherKind, OperationKind cipherKind, ReadOnlySpan<byte> part,
        Span<byte> output, bool sizeQuery, ConsumeStep<TOther> feed) where TOther : class, IOperation
    {
        var s = _sessions.Get(session);
        lock (s.Sync)
        {
            var other = s.Operations.Get<TOther>(otherKind, s.Token.LoginEpoch);
            bool encrypting = cipherKind == OperationKind.Encrypt;
            int n = encrypting ? EncryptUpdate(session, part, output, sizeQuery) : DecryptUpdate(session, part, output, sizeQuery);
            if (!sizeQuery) feed(other, encrypting ? part : output[..n]);
            return n;
        }
    }

    // --- Key management ------------------------------------------------------------------------

    public ulong GenerateKey(ulong session, Mechanism mechanism, Template template)
    {
        var s = _sessions.Get(session);
        var generator = _mechanisms.Get<IKeyGenMechanism>(mechanism.Type);
        return s.Token.AddGenerated(s.Handle, s.State, ctx => [generator.Generate(mechanism, template, ctx)])[0];
    }

    public (ulong PublicKey, ulong PrivateKey) GenerateKeyPair(ulong session, Mechanism mechanism, Template publicTemplate, Template privateTemplate)
    {
        var s = _sessions.Get(session);
        var generator = _mechanisms.Get<IKeyPairGenMechanism>(mechanism.Type);
        var handles = s.Token.AddGenerated(s.Handle, s.State, ctx =>
        {
            var (pub, priv) = generator.Generate(mechanism, publicTemplate, privateTemplate, ctx);
            return [pub, priv];
        });
        return (handles[0], handles[1]);
    }

    /// <summary>C_WrapKey (§5.18). The key checks come before any work, in the order of the arguments;
    /// the mechanism (its own wrapper or a CKF_WRAP cipher, <see cref="WrapLookup"/>) does the rest.</summary>
    public int WrapKey(ulong session, Mechanism mechanism, ulong wrappingKey, ulong key, Span<byte> output, bool sizeQuery)
    {
        var s = _sessions.Get(session);
        var wrapper = _mechanisms.GetWrapper(mechanism.Type);
        var wrapping = s.Token.KeyForUse(wrappingKey, s.State, CKR.CKR_WRAPPING_KEY_HANDLE_INVALID);
        KeyUsage.Check(wrapping, CKA.CKA_WRAP, mechanism.Type);
        var target = s.Token.KeyForUse(key, s.State);
        WrapPolicy.CheckWrap(wrapping, target);
        WrapPolicy.CheckWrapMechanism(mechanism.Type, target);
        int required = wrapper.WrappedLength(mechanism, wrapping, target);
        if (sizeQuery) return required;
        if (output.Length < required) throw new BufferTooSmallException(required);
        return wrapper.Wrap(mechanism, wrapping, target, output);
    }

    /// <summary>C_UnwrapKey (§5.18): the unwrapping key's CKA_UNWRAP_TEMPLATE joins the caller's template,
    /// and the new key is stored only if this session may create it (<c>AddGenerated</c>).</summary>
    public ulong UnwrapKey(ulong session, Mechanism mechanism, ulong unwrappingKey, ReadOnlySpan<byte> wrappedKey, Template template)
    {
        var s = _sessions.Get(session);
        var unwrapper = _mechanisms.GetUnwrapper(mechanism.Type);
        var unwrapping = s.Token.KeyForUse(unwrappingKey, s.State, CKR.CKR_UNWRAPPING_KEY_HANDLE_INVALID);
        KeyUsage.Check(unwrapping, CKA.CKA_UNWRAP, mechanism.Type);
        var merged = WrapPolicy.MergeUnwrapTemplate(unwrapping, template);
        var wrapped = wrappedKey.ToArray();
        return s.Token.AddGenerated(s.Handle, s.State, ctx => [unwrapper.Unwrap(mechanism, unwrapping, wrapped, merged, ctx)])[0];
    }

    /// <summary>C_DeriveKey (§5.18). Keys the parameter names by handle (<see cref="IKeyReferencingParameter"/>)
    /// are resolved after the base key, under the same rules: visible to this session, opened, CKA_DERIVE.</summary>
    public DerivedKeys DeriveKey(ulong session, Mechanism mechanism, ulong baseKey, Template template)
    {
        var s = _sessions.Get(session);
        var deriver = _mechanisms.Get<IDeriveMechanism>(mechanism.Type);
        var key = s.Token.KeyForUse(baseKey, s.State);
        KeyUsage.Check(key, CKA.CKA_DERIVE, mechanism.Type);
        var resolved = KeyReferences.Resolve(mechanism, handle =>
        {
            var named = s.Token.KeyForUse(handle, s.State);
            KeyUsage.Check(named, CKA.CKA_DERIVE, mechanism.Type);
            return named;
        });
        var handles = s.Token.AddGenerated(s.Handle, s.State, ctx => deriver.Derive(resolved, key, template, ctx));
        return new DerivedKeys(handles[0], handles[1..]);
    }

    // --- The shared shape of the calls above ---------------------------------------------------

    private void StartKeyed<TOp>(ulong session, OperationKind kind, Mechanism mechanism, ulong key, CKA usage,
        Func<MechanismRegistry, HsmObject, Mechanism, TOp> create) where TOp : IOperation
    {
        var s = _sessions.Get(session);
        lock (s.Sync)
        {
            CkrException.ThrowIf(s.Operations.IsActive(kind, s.Token.LoginEpoch), CKR.CKR_OPERATION_ACTIVE);
            // The declared flags are the contract: a wrap-only cipher is not an encryption mechanism.
            CkrException.ThrowIf((_mechanisms.GetInfo(mechanism.Type).Flags & FlagFor(kind)) == 0, CKR.CKR_MECHANISM_INVALID,
                $"{mechanism.Type} does not do {kind}");
            var obj = s.Token.KeyForUse(key, s.State);
            KeyUsage.Check(obj, usage, mechanism.Type);
            s.Operations.Start(kind, create(_mechanisms, obj, mechanism), s.Token.LoginEpoch);
        }
    }

    private static ulong FlagFor(OperationKind kind) => kind switch
    {
        OperationKind.Encrypt => CKF.CKF_ENCRYPT,
        OperationKind.Decrypt => CKF.CKF_DECRYPT,
        OperationKind.Sign => CKF.CKF_SIGN,
        OperationKind.Verify => CKF.CKF_VERIFY,
        OperationKind.SignRecover => CKF.CKF_SIGN_RECOVER,
        OperationKind.VerifyRecover => CKF.CKF_VERIFY_RECOVER,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private int Produce<TOp>(ulong session, OperationKind kind, ReadOnlySpan<byte> input, Span<byte> output, bool sizeQuery, bool ends,
        Func<TOp, int, int> requiredLength, ProduceStep<TOp> step) where TOp : class, IOperation
    {
        var s = _sessions.Get(session);
        lock (s.Sync)
            return s.Operations.Produce(kind, s.Token.LoginEpoch, input, output, sizeQuery, ends, requiredLength, step);
    }

    private void Consume<TOp>(ulong session, OperationKind kind, ReadOnlySpan<byte> input, bool ends, ConsumeStep<TOp> step)
        where TOp : class, IOperation
    {
        var s = _sessions.Get(session);
        lock (s.Sync)
            s.Operations.Consume(kind, s.Token.LoginEpoch, input, ends, step);
    }
}
