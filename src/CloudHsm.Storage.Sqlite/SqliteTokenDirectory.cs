using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Storage;
using CloudHsm.Core.Storage.Sealing;
using CloudHsm.Pkcs11.Abi;
using Microsoft.Data.Sqlite;

namespace CloudHsm.Storage.Sqlite;

/// <summary>
/// A token directory on disk: <c>&lt;directory&gt;/&lt;serial&gt;/token.sqlite</c>, one SQLite database per
/// token (docs/storage-encryption.md §6). Several processes may use it at once.
/// </summary>
public sealed class SqliteTokenDirectory : ITokenDirectory
{
    private const string TempPrefix = ".tmp-";
    private static readonly TimeSpan StaleTempAge = TimeSpan.FromHours(1);
    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private readonly string _root;
    private readonly Func<int> _processId;

    /// <param name="directory">The token directory; created (mode 0700) by the first <see cref="Create"/>.</param>
    /// <param name="currentProcessId">Where the stores learn the calling process's id, to notice a fork; by
    /// default <c>/proc/self</c> on Linux. A host that can call getpid() may pass it.</param>
    public SqliteTokenDirectory(string directory, Func<int>? currentProcessId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _root = Path.GetFullPath(directory);
        _processId = currentProcessId ?? CurrentProcess.Id;
    }

    /// <summary>The full path of the token directory.</summary>
    public string RootDirectory => _root;

    /// <summary>Serials of the folders that hold a token database, in ordinal order; folders being created
    /// (<c>.tmp-*</c>) and anything else are ignored.</summary>
    public IReadOnlyList<string> ListSerials()
    {
        try
        {
            if (!System.IO.Directory.Exists(_root)) return [];
            var serials = new List<string>();
            foreach (string path in System.IO.Directory.EnumerateDirectories(_root))
            {
                string name = Path.GetFileName(path);
                if (StorageScheme.IsValidSerial(name) && File.Exists(Path.Combine(path, TokenSchema.DatabaseFileName)))
                    serials.Add(name);
            }
            serials.Sort(StringComparer.Ordinal);
            return serials;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SqliteErrors.ToCkr(e);
        }
    }

    /// <summary>Opens a token; <c>CKR_TOKEN_NOT_PRESENT</c> if there is none with this serial.</summary>
    public ITokenStore Open(string serial)
    {
        CheckSerial(serial);
        string databasePath = DatabasePath(serial);
        if (!File.Exists(databasePath))
            throw new CkrException(CKR.CKR_TOKEN_NOT_PRESENT, "no token with this serial");
        return new SqliteTokenStore(serial, databasePath, _processId);
    }

    /// <summary>
    /// Builds the database in <c>.tmp-&lt;random&gt;/</c> beside the tokens, checkpoints and fsyncs it, then
    /// renames the folder to the serial: other processes see the token whole or not at all.
    /// </summary>
    public ITokenStore Create(TokenRecord token)
    {
        TokenSchema.ValidateToken(token, nameof(token));
        CheckSerial(token.Serial);
        string final = Path.Combine(_root, token.Serial);
        string temp = Path.Combine(_root, TempPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        try
        {
            CreatePrivateDirectory(_root);
            RemoveStaleTemps();
            if (System.IO.Directory.Exists(final))
                throw new CkrException(CKR.CKR_DEVICE_ERROR, "a token with this serial exists");

            CreatePrivateDirectory(temp);
            string databasePath = Path.Combine(temp, TokenSchema.DatabaseFileName);
            BuildDatabase(databasePath, token);
            using (var file = new FileStream(databasePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
                file.Flush(flushToDisk: true);
            System.IO.Directory.Move(temp, final);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw SqliteErrors.ToCkr(e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        return new SqliteTokenStore(token.Serial, DatabasePath(token.Serial), _processId);
    }

    private string DatabasePath(string serial) => Path.Combine(_root, serial, TokenSchema.DatabaseFileName);

    /// <summary>Creates the schema and the token row in one transaction, then closes the only connection,
    /// which checkpoints the WAL into the database file (synchronous=FULL: fsynced) and removes it.</summary>
    private static void BuildDatabase(string databasePath, TokenRecord token)
    {
        using var db = new SqliteConnection(TokenConnection.ConnectionString(databasePath, SqliteOpenMode.ReadWriteCreate));
        db.Open();
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(databasePath, UnixFileMode.UserRead | UnixFileMode.UserWrite); // -wal/-shm inherit it
        TokenConnection.Configure(db);
        using var transaction = db.BeginTransaction();
        using (var command = db.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = TokenSchema.CreateTables;
            command.ExecuteNonQuery();
            command.CommandText = TokenSchema.InsertMeta;
            command.ExecuteNonQuery();
        }
        using (var insert = db.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = TokenSchema.InsertToken;
            TokenSchema.AddTokenParameters(insert);
            TokenSchema.SetTokenParameters(insert, token);
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>Removes <c>.tmp-*</c> folders left by a process that died while creating a token; only
    /// old ones, so a creation in progress elsewhere is never touched.</summary>
    private void RemoveStaleTemps()
    {
        foreach (string path in System.IO.Directory.EnumerateDirectories(_root, TempPrefix + "*"))
        {
            string name = Path.GetFileName(path);
            if (name.Length != TempPrefix.Length + 32 || name.AsSpan(TempPrefix.Length).ContainsAnyExcept(LowerHex)) continue;
            if (DateTime.UtcNow - System.IO.Directory.GetLastWriteTimeUtc(path) > StaleTempAge) TryDelete(path);
        }
    }

    private static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
            System.IO.Directory.CreateDirectory(path);
        else
            System.IO.Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (System.IO.Directory.Exists(path)) System.IO.Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // best effort: a leftover .tmp-* folder is ignored by readers and removed later
        }
    }

    private static void CheckSerial(string serial)
    {
        if (!StorageScheme.IsValidSerial(serial))
            throw new ArgumentException("a serial is 1 to 16 characters from [0-9A-Za-z_-]", nameof(serial));
    }
}
