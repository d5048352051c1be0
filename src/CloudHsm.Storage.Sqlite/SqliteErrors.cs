using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;
using Microsoft.Data.Sqlite;

namespace CloudHsm.Storage.Sqlite;

/// <summary>
/// The one place where this backend's failures become CKR codes (STYLE 6.6): a full disk is
/// CKR_DEVICE_MEMORY, everything else CKR_DEVICE_ERROR. Messages carry codes, never data.
/// </summary>
internal static class SqliteErrors
{
    private const int SQLITE_FULL = 13;

    public static CkrException ToCkr(SqliteException e) =>
        (e.SqliteErrorCode & 0xFF) == SQLITE_FULL
            ? new CkrException(CKR.CKR_DEVICE_MEMORY, "token database: the disk is full", e)
            : new CkrException(CKR.CKR_DEVICE_ERROR,
                $"token database error (SQLite code {e.SqliteErrorCode}, extended {e.SqliteExtendedErrorCode})", e);

    /// <summary>A file-system failure around the database (creating, listing, renaming token folders).</summary>
    public static CkrException ToCkr(Exception e) => e switch
    {
        SqliteException sqlite => ToCkr(sqlite),
        _ => new CkrException(CKR.CKR_DEVICE_ERROR, $"token directory error ({e.GetType().Name})", e),
    };
}
