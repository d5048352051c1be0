namespace CloudHsm.Core.Storage;

/// <summary>
/// What is persisted about a PIN (docs/storage-encryption.md): the KDF salt and cost, a verifier
/// derived from the PIN, and the token key wrapped under the PIN-derived key. Never the PIN itself.
/// </summary>
public sealed record PinRecord(byte[] Salt, int Iterations, byte[] Verifier, byte[] WrappedTokenKey);

/// <summary>The persisted state of one token. Immutable: changes go through <see cref="ITokenStore.UpdateToken"/>.</summary>
public sealed record TokenRecord
{
    public required int SchemaVersion { get; init; }
    /// <summary>16 characters, the CK_TOKEN_INFO serialNumber.</summary>
    public required string Serial { get; init; }
    /// <summary>The 32-byte blank-padded CK_TOKEN_INFO label as given to C_InitToken.</summary>
    public required byte[] Label { get; init; }
    public required PinRecord SoPin { get; init; }
    public PinRecord? UserPin { get; init; }
    public int SoFailedLogins { get; init; }
    public int UserFailedLogins { get; init; }
}

/// <summary>
/// One object as stored: attributes that may be read without the token key in clear, the rest sealed
/// (AES-256-GCM under the token key, the UID in the AAD). The store treats both as opaque bytes.
/// </summary>
public sealed record ObjectRecord(Guid Uid, bool IsPrivate, byte[] PlainAttributes, byte[] SealedAttributes);

/// <summary>
/// What <see cref="ITokenStore.LoadObjectChanges"/> found. <see cref="Version"/> is the store's object version
/// the answer brings the caller to: every commit that adds, changes or removes objects raises it.
/// If <see cref="IsSnapshot"/>, <see cref="Changed"/> holds every object and any object not in it is gone;
/// otherwise it holds the objects added or changed since the version asked about, and <see cref="Deleted"/>
/// the UIDs removed since then. An object may be reported again (it changed twice, or the caller made the
/// change itself): applying an answer must be idempotent.
/// </summary>
public sealed record ObjectChanges(long Version, bool IsSnapshot, IReadOnlyList<ObjectRecord> Changed, IReadOnlyList<Guid> Deleted)
{
    /// <summary>How many object versions back a store keeps the record of removals by default: a reader
    /// further behind than that gets a snapshot.</summary>
    public const long DefaultKeptChanges = 10_000;
}

/// <summary>The object version an object write found and the one it left (<see cref="ITokenStore.LastObjectWrite"/>).</summary>
public readonly record struct ObjectWrite(long Before, long After);

/// <summary>
/// The persistence of one token (kryoptic's Storage trait, SoftHSM's ObjectStoreToken). Every method
/// is atomic and durable when it returns; several processes may use one token at once.
/// Failures are <see cref="Errors.CkrException"/> with CKR_DEVICE_ERROR (I/O) or CKR_DEVICE_MEMORY (disk full).
/// </summary>
public interface ITokenStore : IDisposable
{
    string Serial { get; }

    TokenRecord LoadToken();

    /// <summary>Read-modify-write of the token record under the store's write lock, so that two
    /// processes counting failed logins never lose an increment. Returns the record written.</summary>
    TokenRecord UpdateToken(Func<TokenRecord, TokenRecord> change);

    /// <summary>C_InitToken on an existing token: all objects go and the record is replaced, in one transaction.</summary>
    void Reinitialize(TokenRecord token);

    /// <summary>A value that changes whenever another connection (another process) commits a change;
    /// compare it with the last value seen to know when cached objects must be reloaded.</summary>
    long ChangeStamp { get; }

    IReadOnlyList<ObjectRecord> LoadObjects();

    /// <summary>The objects with a sealed part (every private object, and public ones holding a secret): the
    /// ones whose view a login or logout changes, so that neither needs to read the rest.</summary>
    IReadOnlyList<ObjectRecord> LoadSealedObjects();

    /// <summary>The objects added, changed or removed since object version <paramref name="since"/> (a
    /// <see cref="ObjectChanges.Version"/> of an earlier answer), read in one consistent view. A snapshot of
    /// every object when <paramref name="since"/> is negative, or too old for the store to know every removal
    /// since (it keeps a bounded record of them), or newer than the store (a database restored from a copy).</summary>
    ObjectChanges LoadObjectChanges(long since);

    /// <summary>The object versions just before and just after this store's latest object write (add, replace
    /// or delete) that changed something. A caller whose view was at <see cref="ObjectWrite.Before"/> may move
    /// it to <see cref="ObjectWrite.After"/>: nobody else wrote in between, and the change is its own.</summary>
    ObjectWrite LastObjectWrite { get; }

    /// <summary>Stores a new object (its <see cref="ObjectRecord.Uid"/> is fresh).</summary>
    void AddObject(ObjectRecord record);

    /// <summary>Rewrites the object with <see cref="ObjectRecord.Uid"/>; false if it is gone (another process
    /// destroyed it), in which case nothing is written: a change never brings a destroyed object back.</summary>
    bool ReplaceObject(ObjectRecord record);

    /// <summary>Removes the object; false if it was not there (another process removed it).</summary>
    bool DeleteObject(Guid uid);
}

/// <summary>The place that holds the tokens (a directory with one database per token, or memory in tests).</summary>
public interface ITokenDirectory
{
    /// <summary>The serial numbers of the initialised tokens, in a stable order.</summary>
    IReadOnlyList<string> ListSerials();

    ITokenStore Open(string serial);

    /// <summary>Creates a token atomically: other processes see it whole or not at all.</summary>
    ITokenStore Create(TokenRecord token);
}
