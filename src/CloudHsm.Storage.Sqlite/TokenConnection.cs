using CloudHsm.Core.Errors;
using CloudHsm.Core.Storage;
using CloudHsm.Core.Storage.Sealing;
using CloudHsm.Pkcs11.Abi;
using Microsoft.Data.Sqlite;

namespace CloudHsm.Storage.Sqlite;

/// <summary>
/// One open connection to a token database with its prepared commands, belonging to the process that
/// opened it (<see cref="ProcessId"/>). Not thread-safe: callers hold <see cref="Gate"/>. Every method
/// may throw <see cref="SqliteException"/>; the store maps it.
/// </summary>
internal sealed class TokenConnection : IDisposable
{
    private readonly SqliteConnection _db;
    private readonly SqliteCommand _dataVersion;
    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _commit;
    private readonly SqliteCommand _rollback;
    private readonly SqliteCommand _selectToken;
    private readonly SqliteCommand _updateToken;
    private readonly SqliteCommand _selectObjects;
    private readonly SqliteCommand _selectSealedObjects;
    private readonly SqliteCommand _insertObject;
    private readonly SqliteCommand _updateObject;
    private readonly SqliteCommand _deleteObject;
    private readonly SqliteCommand _deleteAllObjects;
    private readonly SqliteCommand _beginRead;
    private readonly SqliteCommand _selectObjectVersions;
    private readonly SqliteCommand _selectObjectVersion;
    private readonly SqliteCommand _selectChangedObjects;
    private readonly SqliteCommand _selectDeletedSince;

    private TokenConnection(SqliteConnection db, WriterLock writerLock, int processId)
    {
        _db = db;
        WriterLock = writerLock;
        ProcessId = processId;
        _dataVersion = Prepare("PRAGMA data_version");
        _begin = Prepare("BEGIN IMMEDIATE");
        _commit = Prepare("COMMIT");
        _rollback = Prepare("ROLLBACK");
        _selectToken = Prepare(TokenSchema.SelectToken);
        _updateToken = Prepare(TokenSchema.UpdateToken, TokenSchema.AddTokenParameters);
        _selectObjects = Prepare(TokenSchema.SelectObjects);
        _selectSealedObjects = Prepare(TokenSchema.SelectSealedObjects);
        _insertObject = Prepare(TokenSchema.InsertObject, AddObjectParameters);
        _updateObject = Prepare(TokenSchema.UpdateObject, AddObjectParameters);
        _deleteObject = Prepare(TokenSchema.DeleteObject, c => c.Parameters.Add("$uid", SqliteType.Blob));
        _deleteAllObjects = Prepare(TokenSchema.DeleteAllObjects);
        _beginRead = Prepare("BEGIN DEFERRED");
        _selectObjectVersions = Prepare(TokenSchema.SelectObjectVersions);
        _selectObjectVersion = Prepare(TokenSchema.SelectObjectVersion);
        _selectChangedObjects = Prepare(TokenSchema.SelectChangedObjects, c => c.Parameters.Add("$since", SqliteType.Integer));
        _selectDeletedSince = Prepare(TokenSchema.SelectDeletedSince, c => c.Parameters.Add("$since", SqliteType.Integer));
        LastDataVersion = ReadDataVersion();
    }

    /// <summary>The process that opened this connection; no other process may use it.</summary>
    public int ProcessId { get; }

    /// <summary>Serialises the threads of this process on this connection.</summary>
    public Lock Gate { get; } = new();

    /// <summary>This process's place in the queue of writers to the token (taken inside <see cref="Gate"/>).</summary>
    public WriterLock WriterLock { get; }

    /// <summary>The <c>PRAGMA data_version</c> last seen on this connection.</summary>
    public long LastDataVersion { get; set; }

    public bool IsDisposed { get; private set; }

    /// <summary>Opens an existing token database read-write, applies the connection settings and checks
    /// the layout version, upgrading a database of layout 1 in place.</summary>
    public static TokenConnection Open(string databasePath, int processId)
    {
        var db = new SqliteConnection(ConnectionString(databasePath, SqliteOpenMode.ReadWrite));
        WriterLock? writerLock = null;
        try
        {
            writerLock = WriterLock.Open(databasePath);
            db.Open();
            Configure(db);
            object? version = ReadLayoutVersion(db);
            if (version is 1L)
                version = Upgrade(db, writerLock);
            CkrException.ThrowIf(version is not long v || v != TokenSchema.LayoutVersion, CKR.CKR_DEVICE_ERROR,
                $"unsupported token database layout {version}");
            return new TokenConnection(db, writerLock, processId);
        }
        catch
        {
            writerLock?.Dispose();
            db.Dispose();
            throw;
        }
    }

    private static object? ReadLayoutVersion(SqliteConnection db, SqliteTransaction? transaction = null)
    {
        using var meta = db.CreateCommand();
        meta.Transaction = transaction;
        meta.CommandText = TokenSchema.SelectLayoutVersion;
        return meta.ExecuteScalar();
    }

    /// <summary>Layout 1 to 2 in one write transaction, in the writers' queue like any write; another process
    /// may have done it first, so the version is read again inside. Processes of an older build that still have
    /// the database open keep working (the triggers number their changes too); new ones refuse layout 2.</summary>
    private static object? Upgrade(SqliteConnection db, WriterLock writerLock)
    {
        using var turn = writerLock.Acquire();
        using var transaction = db.BeginTransaction(deferred: false);
        object? version = ReadLayoutVersion(db, transaction);
        if (version is 1L)
        {
            using var upgrade = db.CreateCommand();
            upgrade.Transaction = transaction;
            upgrade.CommandText = TokenSchema.Upgrade1To2;
            upgrade.ExecuteNonQuery();
            version = ReadLayoutVersion(db, transaction);
        }
        transaction.Commit();
        return version;
    }

    /// <summary>No pooling (the pool cleans up on a background timer: not in a forked process) and
    /// SQLite's own busy wait as well as Microsoft.Data.Sqlite's, both 10 s.</summary>
    public static string ConnectionString(string databasePath, SqliteOpenMode mode) => new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = mode,
        Pooling = false,
        DefaultTimeout = 10,
    }.ToString();

    /// <summary>WAL (atomic, durable commits; readers never block the writer), synchronous=FULL (a commit
    /// is on disk when it returns), busy_timeout 10 s (processes queue for the write lock).</summary>
    public static void Configure(SqliteConnection db)
    {
        using var command = db.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 10000";
        command.ExecuteNonQuery();
        command.CommandText = "PRAGMA journal_mode = WAL";
        string? mode = command.ExecuteScalar() as string;
        CkrException.ThrowIf(!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase), CKR.CKR_DEVICE_ERROR,
            "the token database cannot use WAL mode on this file system");
        command.CommandText = "PRAGMA synchronous = FULL";
        command.ExecuteNonQuery();
    }

    /// <summary>Changes when another connection commits; unchanged by this connection's own commits.</summary>
    public long ReadDataVersion() => (long)_dataVersion.ExecuteScalar()!;

    public void Begin() => _begin.ExecuteNonQuery();

    public void Commit() => _commit.ExecuteNonQuery();

    /// <summary>Rolls back if a transaction is still open (SQLite ends some on its own after an error);
    /// never throws, so the original exception is the one reported.</summary>
    public void RollbackQuietly()
    {
        try
        {
            if (SQLitePCL.raw.sqlite3_get_autocommit(_db.Handle) == 0) _rollback.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
        }
    }

    public TokenRecord ReadToken()
    {
        using var reader = _selectToken.ExecuteReader();
        CkrException.ThrowIf(!reader.Read(), CKR.CKR_DEVICE_ERROR, "token database has no token row");
        return TokenSchema.ReadToken(reader);
    }

    public void WriteToken(TokenRecord token)
    {
        TokenSchema.SetTokenParameters(_updateToken, token);
        int rows = _updateToken.ExecuteNonQuery();
        CkrException.ThrowIf(rows != 1, CKR.CKR_DEVICE_ERROR, "token database has no token row");
    }

    public List<ObjectRecord> ReadObjects() => ReadObjects(_selectObjects);

    public List<ObjectRecord> ReadSealedObjects() => ReadObjects(_selectSealedObjects);

    private static List<ObjectRecord> ReadObjects(SqliteCommand select)
    {
        var objects = new List<ObjectRecord>();
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            objects.Add(new ObjectRecord(Uid(TokenSchema.Blob(reader, 0)), TokenSchema.Int(reader, 1) != 0,
                TokenSchema.Blob(reader, 2), TokenSchema.Blob(reader, 3)));
        }
        return objects;
    }

    /// <summary><c>meta('object_version')</c>, as this connection's transaction sees it.</summary>
    public long ReadObjectVersion() => (long)_selectObjectVersion.ExecuteScalar()!;

    public void InsertObject(ObjectRecord record)
    {
        SetObjectParameters(_insertObject, record);
        _insertObject.ExecuteNonQuery();
    }

    /// <summary>False if there is no object with this UID (any more): an update never brings one back.</summary>
    public bool UpdateObject(ObjectRecord record)
    {
        SetObjectParameters(_updateObject, record);
        return _updateObject.ExecuteNonQuery() > 0;
    }

    public bool DeleteObject(Guid uid)
    {
        _deleteObject.Parameters["$uid"].Value = StorageScheme.UidBytes(uid);
        return _deleteObject.ExecuteNonQuery() > 0;
    }

    /// <summary>Removes every object (C_InitToken); readers of an earlier version get a snapshot next.</summary>
    public void DeleteAllObjects()
    {
        _deleteAllObjects.ExecuteNonQuery();
        using var forget = _db.CreateCommand();
        forget.CommandText = TokenSchema.ForgetDeletions;
        forget.ExecuteNonQuery();
    }

    /// <summary>The objects changed and removed since object version <paramref name="since"/>, in one read
    /// transaction (one WAL snapshot), or all of them (<see cref="ITokenStore.LoadObjectChanges"/>).</summary>
    public ObjectChanges ReadObjectChanges(long since)
    {
        _beginRead.ExecuteNonQuery();
        try
        {
            long version, knownAfter;
            using (var reader = _selectObjectVersions.ExecuteReader())
            {
                CkrException.ThrowIf(!reader.Read() || reader.IsDBNull(0) || reader.IsDBNull(1), CKR.CKR_DEVICE_ERROR,
                    "token database: no object version");
                version = reader.GetInt64(0);
                knownAfter = reader.GetInt64(1);
            }
            ObjectChanges changes;
            if (since < 0 || since < knownAfter || since > version)
            {
                changes = new ObjectChanges(version, true, ReadObjects(), []);
            }
            else
            {
                _selectChangedObjects.Parameters["$since"].Value = since;
                var changed = ReadObjects(_selectChangedObjects);
                _selectDeletedSince.Parameters["$since"].Value = since;
                var deleted = new List<Guid>();
                using (var reader = _selectDeletedSince.ExecuteReader())
                {
                    while (reader.Read())
                        deleted.Add(Uid(TokenSchema.Blob(reader, 0)));
                }
                changes = new ObjectChanges(version, false, changed, deleted);
            }
            _commit.ExecuteNonQuery();
            return changes;
        }
        catch
        {
            RollbackQuietly();
            throw;
        }
    }

    private static Guid Uid(byte[] bytes)
    {
        CkrException.ThrowIf(bytes.Length != StorageScheme.UidSize, CKR.CKR_DEVICE_ERROR, "token database: malformed object id");
        return StorageScheme.UidFromBytes(bytes);
    }

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        foreach (var command in new[] { _dataVersion, _begin, _commit, _rollback, _selectToken, _updateToken,
                     _selectObjects, _selectSealedObjects, _insertObject, _updateObject, _deleteObject, _deleteAllObjects, _beginRead,
                     _selectObjectVersions, _selectObjectVersion, _selectChangedObjects, _selectDeletedSince })
            command.Dispose();
        _db.Dispose();
        WriterLock.Dispose();
    }

    private static void AddObjectParameters(SqliteCommand command)
    {
        command.Parameters.Add("$uid", SqliteType.Blob);
        command.Parameters.Add("$is_private", SqliteType.Integer);
        command.Parameters.Add("$plain", SqliteType.Blob);
        command.Parameters.Add("$sealed", SqliteType.Blob);
    }

    private static void SetObjectParameters(SqliteCommand command, ObjectRecord record)
    {
        var p = command.Parameters;
        p["$uid"].Value = StorageScheme.UidBytes(record.Uid);
        p["$is_private"].Value = record.IsPrivate ? 1L : 0L;
        p["$plain"].Value = record.PlainAttributes;
        p["$sealed"].Value = record.SealedAttributes;
    }

    private SqliteCommand Prepare(string sql, Action<SqliteCommand>? addParameters = null)
    {
        var command = _db.CreateCommand();
        command.CommandText = sql;
        addParameters?.Invoke(command);
        command.Prepare();
        return command;
    }
}
