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
    private readonly SqliteCommand _insertObject;
    private readonly SqliteCommand _updateObject;
    private readonly SqliteCommand _deleteObject;
    private readonly SqliteCommand _deleteAllObjects;

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
        _insertObject = Prepare(TokenSchema.InsertObject, AddObjectParameters);
        _updateObject = Prepare(TokenSchema.UpdateObject, AddObjectParameters);
        _deleteObject = Prepare(TokenSchema.DeleteObject, c => c.Parameters.Add("$uid", SqliteType.Blob));
        _deleteAllObjects = Prepare(TokenSchema.DeleteAllObjects);
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
    /// the layout version.</summary>
    public static TokenConnection Open(string databasePath, int processId)
    {
        var db = new SqliteConnection(ConnectionString(databasePath, SqliteOpenMode.ReadWrite));
        WriterLock? writerLock = null;
        try
        {
            writerLock = WriterLock.Open(databasePath);
            db.Open();
            Configure(db);
            using (var meta = db.CreateCommand())
            {
                meta.CommandText = TokenSchema.SelectLayoutVersion;
                object? version = meta.ExecuteScalar();
                CkrException.ThrowIf(version is not long v || v != TokenSchema.LayoutVersion, CKR.CKR_DEVICE_ERROR,
                    $"unsupported token database layout {version}");
            }
            return new TokenConnection(db, writerLock, processId);
        }
        catch
        {
            writerLock?.Dispose();
            db.Dispose();
            throw;
        }
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

    public List<ObjectRecord> ReadObjects()
    {
        var objects = new List<ObjectRecord>();
        using var reader = _selectObjects.ExecuteReader();
        while (reader.Read())
        {
            byte[] uid = TokenSchema.Blob(reader, 0);
            CkrException.ThrowIf(uid.Length != StorageScheme.UidSize, CKR.CKR_DEVICE_ERROR, "token database: malformed object id");
            objects.Add(new ObjectRecord(StorageScheme.UidFromBytes(uid), TokenSchema.Int(reader, 1) != 0,
                TokenSchema.Blob(reader, 2), TokenSchema.Blob(reader, 3)));
        }
        return objects;
    }

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

    public void DeleteAllObjects() => _deleteAllObjects.ExecuteNonQuery();

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        foreach (var command in new[] { _dataVersion, _begin, _commit, _rollback, _selectToken, _updateToken,
                     _selectObjects, _insertObject, _updateObject, _deleteObject, _deleteAllObjects })
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
