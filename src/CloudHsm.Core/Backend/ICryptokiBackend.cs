using CloudHsm.Core.Attributes;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Backend;

/// <summary>
/// PKCS#11 semantics in managed form: what the native exports call. The embedded backend runs the
/// core in-process; the remote backend (later) forwards to cloudhsmd. Failures are
/// <see cref="Errors.CkrException"/> carrying the code the spec lists for the function.
/// </summary>
/// <remarks>
/// Variable-length outputs follow one convention (the boundary's OutBuffer is its other half):
/// <paramref name="sizeQuery"/> true (the caller passed a NULL buffer) returns the length needed and
/// leaves the operation active; a buffer shorter than needed throws
/// <see cref="Errors.BufferTooSmallException"/> and leaves it active; otherwise the method writes and
/// returns the length written, and a one-shot or final call ends the operation.
/// Handles are CK_ULONG values that always fit in 32 bits and are never reused.
/// </remarks>
public interface ICryptokiBackend : IDisposable
{
    // General purpose and slot/token management (PKCS#11 §5.4-5.5)
    LibraryInfo GetInfo();
    IReadOnlyList<ulong> GetSlotList(bool tokenPresent);
    SlotInfo GetSlotInfo(ulong slotId);
    TokenInfo GetTokenInfo(ulong slotId);
    IReadOnlyList<CKM> GetMechanismList(ulong slotId);
    MechanismInfo GetMechanismInfo(ulong slotId, CKM type);
    /// <summary><paramref name="label"/> is the 32-byte blank-padded label.</summary>
    void InitToken(ulong slotId, ReadOnlySpan<byte> soPin, ReadOnlySpan<byte> label);
    void InitPin(ulong session, ReadOnlySpan<byte> pin);
    void SetPin(ulong session, ReadOnlySpan<byte> oldPin, ReadOnlySpan<byte> newPin);
    /// <summary>Returns the slot of the event. With <paramref name="dontBlock"/> and no event: CKR_NO_EVENT.
    /// Otherwise blocks until an event or until the library is finalized (CKR_CRYPTOKI_NOT_INITIALIZED).</summary>
    ulong WaitForSlotEvent(bool dontBlock);

    // Sessions and login (§5.6)
    ulong OpenSession(ulong slotId, ulong flags);
    void CloseSession(ulong session);
    void CloseAllSessions(ulong slotId);
    SessionInfo GetSessionInfo(ulong session);
    byte[] GetOperationState(ulong session);
    void SetOperationState(ulong session, ReadOnlySpan<byte> state, ulong encryptionKey, ulong authenticationKey);
    void Login(ulong session, CKU userType, ReadOnlySpan<byte> pin);
    void Logout(ulong session);
    /// <summary>Ends the session's active operation of <paramref name="kind"/>, if any: C_*Init with a NULL
    /// mechanism (PKCS#11 3.0), and a call the boundary refused before it reached the operation
    /// (CKR_ARGUMENTS_BAD ends an operation like any other error, §5.2).</summary>
    void CancelOperation(ulong session, OperationKind kind);

    // Objects (§5.7)
    ulong CreateObject(ulong session, Template template);
    ulong CopyObject(ulong session, ulong obj, Template template);
    void DestroyObject(ulong session, ulong obj);
    ulong GetObjectSize(ulong session, ulong obj);
    /// <summary>Never throws for a per-attribute problem: each attribute gets its own status.</summary>
    AttributeRead[] GetAttributeValue(ulong session, ulong obj, IReadOnlyList<CKA> types);
    void SetAttributeValue(ulong session, ulong obj, Template template);
    void FindObjectsInit(ulong session, Template template);
    /// <summary>Fills <paramref name="handles"/> with up to its length of matches; returns the count.</summary>
    int FindObjects(ulong session, Span<ulong> handles);
    void FindObjectsFinal(ulong session);

    // Encryption and decryption (§5.8-5.9)
    void EncryptInit(ulong session, Mechanism mechanism, ulong key);
    int Encrypt(ulong session, ReadOnlySpan<byte> data, Span<byte> output, bool sizeQuery);
    int EncryptUpdate(ulong session, ReadOnlySpan<byte> part, Span<byte> output, bool sizeQuery);
    int EncryptFinal(ulong session, Span<byte> output, bool sizeQuery);
    void DecryptInit(ulong session, Mechanism mechanism, ulong key);
    int Decrypt(ulong session, ReadOnlySpan<byte> data, Span<byte> output, bool sizeQuery);
    int DecryptUpdate(ulong session, ReadOnlySpan<byte> part, Span<byte> output, bool sizeQuery);
    int DecryptFinal(ulong session, Span<byte> output, bool sizeQuery);

    // Message digesting (§5.10)
    void DigestInit(ulong session, Mechanism mechanism);
    int Digest(ulong session, ReadOnlySpan<byte> data, Span<byte> output, bool sizeQuery);
    void DigestUpdate(ulong session, ReadOnlySpan<byte> part);
    void DigestKey(ulong session, ulong key);
    int DigestFinal(ulong session, Span<byte> output, bool sizeQuery);

    // Signing and MACing, verification (§5.11-5.12)
    void SignInit(ulong session, Mechanism mechanism, ulong key);
    int Sign(ulong session, ReadOnlySpan<byte> data, Span<byte> output, bool sizeQuery);
    void SignUpdate(ulong session, ReadOnlySpan<byte> part);
    int SignFinal(ulong session, Span<byte> output, bool sizeQuery);
    void SignRecoverInit(ulong session, Mechanism mechanism, ulong key);
    int SignRecover(ulong session, ReadOnlySpan<byte> data, Span<byte> output, bool sizeQuery);
    void VerifyInit(ulong session, Mechanism mechanism, ulong key);
    void Verify(ulong session, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);
    void VerifyUpdate(ulong session, ReadOnlySpan<byte> part);
    void VerifyFinal(ulong session, ReadOnlySpan<byte> signature);
    void VerifyRecoverInit(ulong session, Mechanism mechanism, ulong key);
    int VerifyRecover(ulong session, ReadOnlySpan<byte> signature, Span<byte> output, bool sizeQuery);

    // Dual-function operations (§5.13)
    int DigestEncryptUpdate(ulong session, ReadOnlySpan<byte> part, Span<byte> output, bool sizeQuery);
    int DecryptDigestUpdate(ulong session, ReadOnlySpan<byte> part, Span<byte> output, bool sizeQuery);
    int SignEncryptUpdate(ulong session, ReadOnlySpan<byte> part, Span<byte> output, bool sizeQuery);
    int DecryptVerifyUpdate(ulong session, ReadOnlySpan<byte> part, Span<byte> output, bool sizeQuery);

    // Key management (§5.14)
    ulong GenerateKey(ulong session, Mechanism mechanism, Template template);
    (ulong PublicKey, ulong PrivateKey) GenerateKeyPair(ulong session, Mechanism mechanism, Template publicTemplate, Template privateTemplate);
    int WrapKey(ulong session, Mechanism mechanism, ulong wrappingKey, ulong key, Span<byte> output, bool sizeQuery);
    ulong UnwrapKey(ulong session, Mechanism mechanism, ulong unwrappingKey, ReadOnlySpan<byte> wrappedKey, Template template);
    /// <summary>All the keys are created or none is. A fault in an additional key's template is
    /// <see cref="Errors.AdditionalKeyTemplateException"/>, which names that key (§6.42: its phKey gets
    /// CK_INVALID_HANDLE).</summary>
    DerivedKeys DeriveKey(ulong session, Mechanism mechanism, ulong baseKey, Template template);

    // Random numbers (§5.15)
    void SeedRandom(ulong session, ReadOnlySpan<byte> seed);
    void GenerateRandom(ulong session, Span<byte> output);
}
