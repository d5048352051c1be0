using CloudHsm.Core.Errors;
using CloudHsm.Core.Storage;
using CloudHsm.Pkcs11.Abi;
using Microsoft.Data.Sqlite;

namespace CloudHsm.Storage.Sqlite;

/// <summary>
/// The database layout (docs/storage-encryption.md §6) and the mapping of <see cref="TokenRecord"/> to its
/// one row, written out column by column: no reflection, so it survives NativeAOT trimming.
/// </summary>
internal static class TokenSchema
{
    /// <summary>Version of this layout, in <c>meta('schema')</c>. Independent of the at-rest scheme version.
    /// 2 added the object change numbers and the record of removals (<see cref="Upgrade1To2"/>).</summary>
    public const long LayoutVersion = 2;

    public const string DatabaseFileName = "token.sqlite";

    public const string CreateTables = """
        CREATE TABLE meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE token(
            id INTEGER PRIMARY KEY CHECK (id = 1),
            schema_version INTEGER NOT NULL,
            serial TEXT NOT NULL,
            label BLOB NOT NULL,
            so_salt BLOB NOT NULL,
            so_iterations INTEGER NOT NULL,
            so_verifier BLOB NOT NULL,
            so_wrapped_key BLOB NOT NULL,
            user_salt BLOB,
            user_iterations INTEGER,
            user_verifier BLOB,
            user_wrapped_key BLOB,
            so_failed_logins INTEGER NOT NULL,
            user_failed_logins INTEGER NOT NULL);
        CREATE TABLE objects(uid BLOB PRIMARY KEY, is_private INTEGER NOT NULL, plain BLOB NOT NULL, sealed BLOB NOT NULL,
            change INTEGER NOT NULL DEFAULT 0);
        """ + ChangeTracking;

    public const string InsertMeta = "INSERT INTO meta(name, value) VALUES ('schema', 2)";

    /// <summary>
    /// Layout 2 over layout 1, in the migrating process's write transaction: the objects gain the number of
    /// their last change, and the triggers start numbering. Rows from layout 1 keep change 0: every reader
    /// that knows layout 2 starts from a snapshot, so none of them needs those changes told again.
    /// </summary>
    public const string Upgrade1To2 = """
        ALTER TABLE objects ADD COLUMN change INTEGER NOT NULL DEFAULT 0;
        """ + ChangeTracking + """
        UPDATE meta SET value = 2 WHERE name = 'schema';
        """;

    /// <summary>
    /// Object change numbers (docs/storage-encryption.md §6.2), kept by triggers so that every writer keeps
    /// them, whatever its code: <c>meta('object_version')</c> grows by one per object inserted, changed or
    /// deleted, in the same transaction; the row takes the new number; a deletion leaves its UID in
    /// <c>deleted</c>. Deletions older than <c>meta('deletions_kept')</c> versions are pruned, and
    /// <c>meta('deletions_known_after')</c> says from which version on the record is complete.
    /// </summary>
    private const string ChangeTracking = """
        CREATE INDEX objects_change ON objects(change);
        CREATE TABLE deleted(change INTEGER NOT NULL, uid BLOB NOT NULL);
        CREATE INDEX deleted_change ON deleted(change);
        INSERT INTO meta(name, value) VALUES ('object_version', 0), ('deletions_known_after', 0), ('deletions_kept', 10000);
        CREATE TRIGGER objects_inserted AFTER INSERT ON objects BEGIN
            UPDATE meta SET value = value + 1 WHERE name = 'object_version';
            UPDATE objects SET change = (SELECT value FROM meta WHERE name = 'object_version') WHERE rowid = NEW.rowid;
        END;
        CREATE TRIGGER objects_updated AFTER UPDATE OF uid, is_private, plain, sealed ON objects BEGIN
            UPDATE meta SET value = value + 1 WHERE name = 'object_version';
            UPDATE objects SET change = (SELECT value FROM meta WHERE name = 'object_version') WHERE rowid = NEW.rowid;
        END;
        CREATE TRIGGER objects_deleted AFTER DELETE ON objects BEGIN
            UPDATE meta SET value = value + 1 WHERE name = 'object_version';
            INSERT INTO deleted(change, uid) SELECT value, OLD.uid FROM meta WHERE name = 'object_version';
            UPDATE meta SET value = max(value, (SELECT value FROM meta WHERE name = 'object_version')
                - (SELECT value FROM meta WHERE name = 'deletions_kept')) WHERE name = 'deletions_known_after';
            DELETE FROM deleted WHERE change <= (SELECT value FROM meta WHERE name = 'deletions_known_after');
        END;
        """;

    /// <summary>The object version and the version after which removals are known, in one row each way.</summary>
    public const string SelectObjectVersions =
        "SELECT (SELECT value FROM meta WHERE name = 'object_version'), (SELECT value FROM meta WHERE name = 'deletions_known_after')";

    public const string SelectObjectVersion = "SELECT value FROM meta WHERE name = 'object_version'";

    public const string SelectChangedObjects =
        "SELECT uid, is_private, plain, sealed FROM objects WHERE change > $since ORDER BY rowid";

    public const string SelectDeletedSince = "SELECT uid FROM deleted WHERE change > $since ORDER BY change";

    /// <summary>After C_InitToken removed every object: the record of removals starts again, and every reader
    /// that had seen an earlier version gets a snapshot.</summary>
    public const string ForgetDeletions = """
        DELETE FROM deleted;
        UPDATE meta SET value = (SELECT value FROM meta WHERE name = 'object_version') WHERE name = 'deletions_known_after';
        """;

    public const string SelectLayoutVersion = "SELECT value FROM meta WHERE name = 'schema'";

    private const string Columns = "schema_version, serial, label, so_salt, so_iterations, so_verifier, so_wrapped_key, "
        + "user_salt, user_iterations, user_verifier, user_wrapped_key, so_failed_logins, user_failed_logins";

    public const string SelectToken = "SELECT " + Columns + " FROM token WHERE id = 1";

    public const string InsertToken = "INSERT INTO token(id, " + Columns + ") VALUES (1, $schema_version, $serial, $label, "
        + "$so_salt, $so_iterations, $so_verifier, $so_wrapped_key, $user_salt, $user_iterations, $user_verifier, "
        + "$user_wrapped_key, $so_failed_logins, $user_failed_logins)";

    public const string UpdateToken = """
        UPDATE token SET schema_version = $schema_version, serial = $serial, label = $label,
            so_salt = $so_salt, so_iterations = $so_iterations, so_verifier = $so_verifier, so_wrapped_key = $so_wrapped_key,
            user_salt = $user_salt, user_iterations = $user_iterations, user_verifier = $user_verifier,
            user_wrapped_key = $user_wrapped_key, so_failed_logins = $so_failed_logins, user_failed_logins = $user_failed_logins
        WHERE id = 1
        """;

    public const string SelectObjects = "SELECT uid, is_private, plain, sealed FROM objects ORDER BY rowid";

    public const string SelectSealedObjects =
        "SELECT uid, is_private, plain, sealed FROM objects WHERE length(sealed) > 0 ORDER BY rowid";

    public const string InsertObject =
        "INSERT INTO objects(uid, is_private, plain, sealed) VALUES ($uid, $is_private, $plain, $sealed)";

    public const string UpdateObject =
        "UPDATE objects SET is_private = $is_private, plain = $plain, sealed = $sealed WHERE uid = $uid";

    public const string DeleteObject = "DELETE FROM objects WHERE uid = $uid";

    public const string DeleteAllObjects = "DELETE FROM objects";

    public static void AddTokenParameters(SqliteCommand command)
    {
        var p = command.Parameters;
        p.Add("$schema_version", SqliteType.Integer);
        p.Add("$serial", SqliteType.Text);
        p.Add("$label", SqliteType.Blob);
        p.Add("$so_salt", SqliteType.Blob);
        p.Add("$so_iterations", SqliteType.Integer);
        p.Add("$so_verifier", SqliteType.Blob);
        p.Add("$so_wrapped_key", SqliteType.Blob);
        p.Add("$user_salt", SqliteType.Blob);
        p.Add("$user_iterations", SqliteType.Integer);
        p.Add("$user_verifier", SqliteType.Blob);
        p.Add("$user_wrapped_key", SqliteType.Blob);
        p.Add("$so_failed_logins", SqliteType.Integer);
        p.Add("$user_failed_logins", SqliteType.Integer);
    }

    public static void SetTokenParameters(SqliteCommand command, TokenRecord token)
    {
        var p = command.Parameters;
        p["$schema_version"].Value = (long)token.SchemaVersion;
        p["$serial"].Value = token.Serial;
        p["$label"].Value = token.Label;
        p["$so_salt"].Value = token.SoPin.Salt;
        p["$so_iterations"].Value = (long)token.SoPin.Iterations;
        p["$so_verifier"].Value = token.SoPin.Verifier;
        p["$so_wrapped_key"].Value = token.SoPin.WrappedTokenKey;
        var user = token.UserPin;
        p["$user_salt"].Value = user is null ? DBNull.Value : user.Salt;
        p["$user_iterations"].Value = user is null ? DBNull.Value : (long)user.Iterations;
        p["$user_verifier"].Value = user is null ? DBNull.Value : user.Verifier;
        p["$user_wrapped_key"].Value = user is null ? DBNull.Value : user.WrappedTokenKey;
        p["$so_failed_logins"].Value = (long)token.SoFailedLogins;
        p["$user_failed_logins"].Value = (long)token.UserFailedLogins;
    }

    /// <summary>Reads the row selected by <see cref="SelectToken"/>; an inconsistent row is CKR_DEVICE_ERROR.</summary>
    public static TokenRecord ReadToken(SqliteDataReader r)
    {
        PinRecord? user = null;
        bool[] userNull = [r.IsDBNull(7), r.IsDBNull(8), r.IsDBNull(9), r.IsDBNull(10)];
        if (!userNull.All(n => n))
        {
            CkrException.ThrowIf(userNull.Any(n => n), CKR.CKR_DEVICE_ERROR, "token row: user PIN partly missing");
            user = new PinRecord(Blob(r, 7), Int(r, 8), Blob(r, 9), Blob(r, 10));
        }
        return new TokenRecord
        {
            SchemaVersion = Int(r, 0),
            Serial = r.GetString(1),
            Label = Blob(r, 2),
            SoPin = new PinRecord(Blob(r, 3), Int(r, 4), Blob(r, 5), Blob(r, 6)),
            UserPin = user,
            SoFailedLogins = Int(r, 11),
            UserFailedLogins = Int(r, 12),
        };
    }

    public static void ValidateToken(TokenRecord token, string paramName)
    {
        ArgumentNullException.ThrowIfNull(token, paramName);
        ArgumentNullException.ThrowIfNull(token.Serial, paramName);
        ArgumentNullException.ThrowIfNull(token.Label, paramName);
        ValidatePin(token.SoPin, paramName);
        if (token.UserPin is not null) ValidatePin(token.UserPin, paramName);
    }

    private static void ValidatePin(PinRecord? pin, string paramName)
    {
        ArgumentNullException.ThrowIfNull(pin, paramName);
        ArgumentNullException.ThrowIfNull(pin.Salt, paramName);
        ArgumentNullException.ThrowIfNull(pin.Verifier, paramName);
        ArgumentNullException.ThrowIfNull(pin.WrappedTokenKey, paramName);
    }

    /// <summary>A BLOB column; a zero-length blob is an empty array, a NULL or a value of another type is an error.</summary>
    public static byte[] Blob(SqliteDataReader r, int ordinal)
    {
        CkrException.ThrowIf(r.IsDBNull(ordinal), CKR.CKR_DEVICE_ERROR, "token database: unexpected NULL");
        return r.GetFieldValue<byte[]>(ordinal);
    }

    public static int Int(SqliteDataReader r, int ordinal)
    {
        CkrException.ThrowIf(r.IsDBNull(ordinal), CKR.CKR_DEVICE_ERROR, "token database: unexpected NULL");
        long value = r.GetInt64(ordinal);
        CkrException.ThrowIf(value is < int.MinValue or > int.MaxValue, CKR.CKR_DEVICE_ERROR, "token database: integer out of range");
        return (int)value;
    }
}
