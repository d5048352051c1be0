using CloudHsm.Core.Errors;
using CloudHsm.Core.Storage;
using CloudHsm.Pkcs11.Abi;
using Microsoft.Data.Sqlite;

namespace CloudHsm.Storage.Sqlite;

/// <summary>
/// One token's database (<c>&lt;directory&gt;/&lt;serial&gt;/token.sqlite</c>) over a single connection,
/// shared by the threads of this process under a lock. Safe across fork(): a connection is only used by
/// the process that opened it; a child that finds the parent's connection opens its own (see
/// <see cref="Connection"/>). No threads, timers or async anywhere: everything runs on the caller's thread.
/// </summary>
public sealed class SqliteTokenStore : ITokenStore
{
    /// <summary>Connections a forked child could not close safely (the parent was inside a store call when
    /// it forked). They stay reachable for the life of the process so that nothing ever finalizes them.</summary>
    private static readonly List<TokenConnection> Abandoned = [];
    private static readonly Lock AbandonedGate = new();

    private readonly string _databasePath;
    private readonly Func<int> _processId;
    private TokenConnection? _connection;
    private long _stamp;
    private int _reopens;
    private readonly Lock _lastObjectWriteGate = new();
    private ObjectWrite _lastObjectWrite;
    private volatile bool _disposed;

    internal SqliteTokenStore(string serial, string databasePath, Func<int> processId)
    {
        Serial = serial;
        _databasePath = databasePath;
        _processId = processId;
        _connection = OpenConnection(processId());
        try
        {
            var token = LoadToken();
            CkrException.ThrowIf(!string.Equals(token.Serial, serial, StringComparison.Ordinal), CKR.CKR_DEVICE_ERROR,
                "the token database belongs to another serial");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Serial { get; }

    /// <summary>How often this store replaced its connection because the process changed (tests).</summary>
    internal int Reopens => Volatile.Read(ref _reopens);

    internal static int AbandonedCount
    {
        get { lock (AbandonedGate) return Abandoned.Count; }
    }

    /// <summary>
    /// Grows by one whenever <c>PRAGMA data_version</c> shows that another connection committed since the
    /// last call, and when this store had to open a new connection (after fork), since changes may then
    /// have been missed. This store's own commits leave it unchanged. One prepared statement per call.
    /// </summary>
    public long ChangeStamp
    {
        get
        {
            var c = Connection();
            lock (c.Gate)
            {
                ObjectDisposedException.ThrowIf(c.IsDisposed, this);
                try
                {
                    long version = c.ReadDataVersion();
                    if (version != c.LastDataVersion)
                    {
                        c.LastDataVersion = version;
                        Interlocked.Increment(ref _stamp);
                    }
                    return Interlocked.Read(ref _stamp);
                }
                catch (SqliteException e)
                {
                    throw SqliteErrors.ToCkr(e);
                }
            }
        }
    }

    public TokenRecord LoadToken()
    {
        var c = Connection();
        lock (c.Gate)
        {
            ObjectDisposedException.ThrowIf(c.IsDisposed, this);
            try
            {
                return c.ReadToken();
            }
            catch (SqliteException e)
            {
                throw SqliteErrors.ToCkr(e);
            }
        }
    }

    /// <summary>Read-modify-write in one transaction. The write lock is held while <paramref name="change"/>
    /// runs, so keep it short (no PIN derivation inside). If it throws, nothing is written.</summary>
    public TokenRecord UpdateToken(Func<TokenRecord, TokenRecord> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return Write(c =>
        {
            var next = change(c.ReadToken());
            CheckRecord(next, nameof(change));
            c.WriteToken(next);
            return next;
        });
    }

    public void Reinitialize(TokenRecord token)
    {
        CheckRecord(token, nameof(token));
        Write(c =>
        {
            c.DeleteAllObjects();
            c.WriteToken(token);
            return true;
        });
    }

    public IReadOnlyList<ObjectRecord> LoadObjects() => Read(static c => c.ReadObjects());

    public IReadOnlyList<ObjectRecord> LoadSealedObjects() => Read(static c => c.ReadSealedObjects());

    private IReadOnlyList<ObjectRecord> Read(Func<TokenConnection, List<ObjectRecord>> read)
    {
        var c = Connection();
        lock (c.Gate)
        {
            ObjectDisposedException.ThrowIf(c.IsDisposed, this);
            try
            {
                return read(c);
            }
            catch (SqliteException e)
            {
                throw SqliteErrors.ToCkr(e);
            }
        }
    }

    public ObjectChanges LoadObjectChanges(long since)
    {
        var c = Connection();
        lock (c.Gate)
        {
            ObjectDisposedException.ThrowIf(c.IsDisposed, this);
            try
            {
                return c.ReadObjectChanges(since);
            }
            catch (SqliteException e)
            {
                throw SqliteErrors.ToCkr(e);
            }
        }
    }

    public ObjectWrite LastObjectWrite
    {
        get
        {
            lock (_lastObjectWriteGate) return _lastObjectWrite;
        }
    }

    public void AddObject(ObjectRecord record)
    {
        CheckRecord(record);
        WriteObject(c =>
        {
            c.InsertObject(record);
            return true;
        });
    }

    public bool ReplaceObject(ObjectRecord record)
    {
        CheckRecord(record);
        return WriteObject(c => c.UpdateObject(record));
    }

    public bool DeleteObject(Guid uid) => WriteObject(c => c.DeleteObject(uid));

    /// <summary>An object write that notes the object versions around it (<see cref="LastObjectWrite"/>), read
    /// inside its transaction, so nobody else's change can come between them.</summary>
    private bool WriteObject(Func<TokenConnection, bool> work)
    {
        ObjectWrite write = default;
        bool changed = Write(c =>
        {
            long before = c.ReadObjectVersion();
            bool done = work(c);
            write = new ObjectWrite(before, c.ReadObjectVersion());
            return done;
        });
        if (changed)
        {
            lock (_lastObjectWriteGate) _lastObjectWrite = write;
        }
        return changed;
    }

    /// <summary>
    /// One write transaction: this process's turn in the writers' queue (<see cref="WriterLock"/>), then
    /// BEGIN IMMEDIATE, <paramref name="work"/>, COMMIT. If anything throws, nothing is written.
    /// </summary>
    private T Write<T>(Func<TokenConnection, T> work)
    {
        var c = Connection();
        lock (c.Gate)
        {
            ObjectDisposedException.ThrowIf(c.IsDisposed, this);
            using var turn = c.WriterLock.Acquire();
            try
            {
                c.Begin();
                try
                {
                    T result = work(c);
                    c.Commit();
                    return result;
                }
                catch
                {
                    c.RollbackQuietly();
                    throw;
                }
            }
            catch (SqliteException e)
            {
                throw SqliteErrors.ToCkr(e);
            }
        }
    }

    private static void CheckRecord(ObjectRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(record.PlainAttributes, nameof(record));
        ArgumentNullException.ThrowIfNull(record.SealedAttributes, nameof(record));
    }

    /// <summary>Closes the connection, unless it belongs to another process (the parent of a fork): that one
    /// is retired as in <see cref="Connection"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        var c = Interlocked.Exchange(ref _connection, null);
        if (c is null) return;
        if (c.ProcessId == _processId())
        {
            lock (c.Gate) c.Dispose();
        }
        else
        {
            Retire(c);
        }
    }

    /// <summary>
    /// The connection of the calling process. After fork() the child finds its parent's connection: it must
    /// never use it (SQLite: "Any database connection that is used in a child process must be opened in the
    /// child process"), so it opens its own and retires the inherited one (<see cref="Retire"/>).
    /// </summary>
    private TokenConnection Connection()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var current = Volatile.Read(ref _connection) ?? throw new ObjectDisposedException(nameof(SqliteTokenStore));
        int pid = _processId();
        if (current.ProcessId == pid) return current;

        var fresh = OpenConnection(pid);
        var previous = Interlocked.CompareExchange(ref _connection, fresh, current);
        if (!ReferenceEquals(previous, current))
        {
            fresh.Dispose(); // another thread of this process got there first
            return previous ?? throw new ObjectDisposedException(nameof(SqliteTokenStore));
        }
        Retire(current);
        Interlocked.Increment(ref _reopens);
        Interlocked.Increment(ref _stamp); // changes by others may have been missed: make the caller reload
        return fresh;
    }

    /// <summary>
    /// Gets rid of a connection inherited from the parent process. If no thread was inside it when the process
    /// forked (its lock is free), no transaction was open, and SQLite's fork guidance (test/fork-test.c) says
    /// such a connection may be closed in the child: closing it touches no file the parent relies on (POSIX
    /// record locks are not inherited) and drops the child's copy of SQLite's per-process lock bookkeeping, so
    /// the new connection takes real locks of its own. If the lock is held — the parent forked in the middle
    /// of a store call, perhaps inside a transaction — closing could roll back the parent's work in shared
    /// memory, so the connection is abandoned: kept referenced and never closed or finalized.
    /// </summary>
    private static void Retire(TokenConnection inherited)
    {
        if (inherited.Gate.TryEnter())
        {
            try
            {
                inherited.Dispose();
                return;
            }
            catch (Exception)
            {
                // could not close it: fall through and keep it, untouched
            }
            finally
            {
                inherited.Gate.Exit();
            }
        }
        // The writer-lock descriptor can always go: closing it never unlocks the parent's lock (WriterLock).
        inherited.WriterLock.Dispose();
        lock (AbandonedGate) Abandoned.Add(inherited);
    }

    private TokenConnection OpenConnection(int pid)
    {
        try
        {
            return TokenConnection.Open(_databasePath, pid);
        }
        catch (SqliteException e)
        {
            throw SqliteErrors.ToCkr(e);
        }
    }

    private void CheckRecord(TokenRecord token, string paramName)
    {
        TokenSchema.ValidateToken(token, paramName);
        if (!string.Equals(token.Serial, Serial, StringComparison.Ordinal))
            throw new ArgumentException("a token's serial cannot change", paramName);
    }
}
