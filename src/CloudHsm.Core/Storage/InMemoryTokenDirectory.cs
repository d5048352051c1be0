using CloudHsm.Core.Errors;
using CloudHsm.Core.Storage.Sealing;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Storage;

/// <summary>
/// Tokens in memory, for tests: behaves like the SQLite directory (the same behavioural tests run
/// against both) without files. Every <see cref="Open"/> returns a new store over the same shared
/// token, as a second process opening the same database would; records are copied in and out, so a
/// caller zeroing or changing an array never changes what is stored.
/// </summary>
public sealed class InMemoryTokenDirectory : ITokenDirectory
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SharedToken> _tokens = new(StringComparer.Ordinal);
    private readonly long _keptChanges;

    /// <param name="keptChanges">How many object versions back removals are remembered
    /// (<see cref="ITokenStore.LoadObjectChanges"/>); small in tests of the snapshot fallback.</param>
    public InMemoryTokenDirectory(long keptChanges = ObjectChanges.DefaultKeptChanges)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keptChanges);
        _keptChanges = keptChanges;
    }

    public IReadOnlyList<string> ListSerials()
    {
        lock (_gate)
        {
            var serials = _tokens.Keys.ToList();
            serials.Sort(StringComparer.Ordinal);
            return serials;
        }
    }

    public ITokenStore Open(string serial)
    {
        CheckSerial(serial);
        lock (_gate)
        {
            if (!_tokens.TryGetValue(serial, out var token))
                throw new CkrException(CKR.CKR_TOKEN_NOT_PRESENT, "no token with this serial");
            return new Store(serial, token);
        }
    }

    public ITokenStore Create(TokenRecord token)
    {
        ArgumentNullException.ThrowIfNull(token);
        CheckSerial(token.Serial);
        lock (_gate)
        {
            if (_tokens.ContainsKey(token.Serial))
                throw new CkrException(CKR.CKR_DEVICE_ERROR, "a token with this serial exists");
            var shared = new SharedToken(Copy(token), _keptChanges);
            _tokens.Add(token.Serial, shared);
            return new Store(token.Serial, shared);
        }
    }

    private static void CheckSerial(string serial)
    {
        if (!StorageScheme.IsValidSerial(serial))
            throw new ArgumentException("a serial is 1 to 16 characters from [0-9A-Za-z_-]", nameof(serial));
    }

    private static TokenRecord Copy(TokenRecord r) => r with
    {
        Label = (byte[])r.Label.Clone(),
        SoPin = Copy(r.SoPin),
        UserPin = r.UserPin is null ? null : Copy(r.UserPin),
    };

    private static PinRecord Copy(PinRecord p) =>
        new((byte[])p.Salt.Clone(), p.Iterations, (byte[])p.Verifier.Clone(), (byte[])p.WrappedTokenKey.Clone());

    private static ObjectRecord Copy(ObjectRecord o) =>
        new(o.Uid, o.IsPrivate, (byte[])o.PlainAttributes.Clone(), (byte[])o.SealedAttributes.Clone());

    /// <summary>One token's state, shared by every store opened on it. <see cref="Commits"/> counts the
    /// committed changes, so a store can tell its own from those of others (PRAGMA data_version's rule).
    /// Object changes are numbered as the SQLite store numbers them (docs/storage-encryption.md §6.2).</summary>
    private sealed class SharedToken(TokenRecord token, long keptChanges)
    {
        public Lock Gate { get; } = new();
        public TokenRecord Token { get; set; } = token;
        public Dictionary<Guid, (ObjectRecord Record, long Change)> Objects { get; } = [];
        public long Commits { get; set; }
        public long ObjectVersion { get; private set; }
        /// <summary>Removals are known for every change after this one.</summary>
        public long DeletionsKnownAfter { get; private set; }
        public List<(long Change, Guid Uid)> Deletions { get; } = [];

        public void Stored(ObjectRecord record) => Objects[record.Uid] = (record, ++ObjectVersion);

        public void Removed(Guid uid)
        {
            Objects.Remove(uid);
            Deletions.Add((++ObjectVersion, uid));
            long forget = ObjectVersion - keptChanges;
            if (forget <= DeletionsKnownAfter) return;
            Deletions.RemoveAll(d => d.Change <= forget);
            DeletionsKnownAfter = forget;
        }

        public void RemovedAll()
        {
            Objects.Clear();
            Deletions.Clear();
            DeletionsKnownAfter = ++ObjectVersion;
        }
    }

    private sealed class Store(string serial, SharedToken shared) : ITokenStore
    {
        private long _ownCommits;
        private ObjectWrite _lastObjectWrite;
        private bool _disposed;

        public string Serial { get; } = serial;

        public long ChangeStamp
        {
            get
            {
                lock (shared.Gate)
                {
                    ObjectDisposedException.ThrowIf(_disposed, this);
                    return shared.Commits - _ownCommits;
                }
            }
        }

        public ObjectWrite LastObjectWrite
        {
            get
            {
                lock (shared.Gate) return _lastObjectWrite;
            }
        }

        public TokenRecord LoadToken()
        {
            lock (shared.Gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return Copy(shared.Token);
            }
        }

        public TokenRecord UpdateToken(Func<TokenRecord, TokenRecord> change)
        {
            ArgumentNullException.ThrowIfNull(change);
            lock (shared.Gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var next = change(Copy(shared.Token));
                CheckRecord(next);
                shared.Token = Copy(next);
                Committed();
                return Copy(next);
            }
        }

        public void Reinitialize(TokenRecord token)
        {
            CheckRecord(token);
            lock (shared.Gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                shared.RemovedAll();
                shared.Token = Copy(token);
                Committed();
            }
        }

        public IReadOnlyList<ObjectRecord> LoadObjects()
        {
            lock (shared.Gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return shared.Objects.Values.Select(o => Copy(o.Record)).ToList();
            }
        }

        public IReadOnlyList<ObjectRecord> LoadSealedObjects()
        {
            lock (shared.Gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return shared.Objects.Values.Where(o => o.Record.SealedAttributes.Length > 0).Select(o => Copy(o.Record)).ToList();
            }
        }

        public ObjectChanges LoadObjectChanges(long since)
        {
            lock (shared.Gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                long version = shared.ObjectVersion;
                if (since < 0 || since < shared.DeletionsKnownAfter || since > version)
                    return new ObjectChanges(version, true, shared.Objects.Values.Select(o => Copy(o.Record)).ToList(), []);
                return new ObjectChanges(version, false,
                    shared.Objects.Values.Where(o => o.Change > since).Select(o => Copy(o.Record)).ToList(),
                    shared.Deletions.Where(d => d.Change > since).Select(d => d.Uid).ToList());
            }
        }

        public void AddObject(ObjectRecord record)
        {
            CheckRecord(record);
            lock (shared.Gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (shared.Objects.ContainsKey(record.Uid))
                    throw new CkrException(CKR.CKR_DEVICE_ERROR, "an object with this id is already stored");
                long before = shared.ObjectVersion;
                shared.Stored(Copy(record));
                _lastObjectWrite = new ObjectWrite(before, shared.ObjectVersion);
                Committed();
            }
        }

        public bool ReplaceObject(ObjectRecord record)
        {
            CheckRecord(record);
            lock (shared.Gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (!shared.Objects.ContainsKey(record.Uid)) return false;
                long before = shared.ObjectVersion;
                shared.Stored(Copy(record));
                _lastObjectWrite = new ObjectWrite(before, shared.ObjectVersion);
                Committed();
                return true;
            }
        }

        private static void CheckRecord(ObjectRecord record)
        {
            ArgumentNullException.ThrowIfNull(record);
            ArgumentNullException.ThrowIfNull(record.PlainAttributes, nameof(record));
            ArgumentNullException.ThrowIfNull(record.SealedAttributes, nameof(record));
        }

        public bool DeleteObject(Guid uid)
        {
            lock (shared.Gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (!shared.Objects.ContainsKey(uid)) return false;
                long before = shared.ObjectVersion;
                shared.Removed(uid);
                _lastObjectWrite = new ObjectWrite(before, shared.ObjectVersion);
                Committed();
                return true;
            }
        }

        public void Dispose()
        {
            lock (shared.Gate) _disposed = true;
        }

        private void Committed()
        {
            shared.Commits++;
            _ownCommits++;
        }

        private void CheckRecord(TokenRecord token)
        {
            ArgumentNullException.ThrowIfNull(token);
            if (!string.Equals(token.Serial, Serial, StringComparison.Ordinal))
                throw new ArgumentException("a token's serial cannot change", nameof(token));
        }
    }
}
