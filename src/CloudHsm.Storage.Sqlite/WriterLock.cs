using System.Runtime.InteropServices;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Storage.Sqlite;

/// <summary>
/// The queue that processes join to write one token: an exclusive <c>flock(2)</c> on
/// <c>&lt;serial&gt;/token.lock</c>, held around every write transaction.
/// <para>
/// Why not SQLite's lock alone: a writer that finds the database busy sleeps and retries (1, 2, 5 … 100 ms),
/// so a process writing in a tight loop takes the lock again long before a sleeping one looks, and the
/// sleeper gives up after its busy timeout (measured: C_DestroyObject failing with CKR_DEVICE_ERROR after
/// 10 s while another process kept renaming the object). A blocked <c>flock</c> waiter is woken by the
/// kernel the moment the holder lets go, so every writer gets its turn. SQLite's busy wait stays as the
/// second line (checkpoints, tools that open the database directly).
/// </para>
/// <para>
/// Fork: the lock belongs to the open file description, which a child shares with its parent. Each
/// process therefore opens its own (the lock lives in <see cref="TokenConnection"/>, which is per process),
/// and a child closes the one it inherited without unlocking it (<see cref="Dispose"/>): closing one
/// of several descriptors of a description releases nothing, while unlocking would release the parent's lock.
/// </para>
/// <para>
/// The wait is unbounded, as SoftHSM's file locks are: the holder is inside one short SQLite transaction,
/// and a holder that dies releases the lock with its descriptors. Windows has no flock; there SQLite's
/// busy wait is the only queue.
/// </para>
/// </summary>
internal sealed class WriterLock : IDisposable
{
    public const string FileName = "token.lock";

    private const int O_RDWR = 0x2, O_CREAT = 0x40, O_CLOEXEC = 0x80000;
    private const int LOCK_EX = 2, LOCK_UN = 8;
    private const int EINTR = 4;
    private const int OwnerReadWrite = 0x180; // 0600

    private int _fd;

    private WriterLock(int fd) => _fd = fd;

    /// <summary>Opens (creating if needed) the lock file beside the database, for this process only.</summary>
    public static WriterLock Open(string databasePath)
    {
        if (OperatingSystem.IsWindows()) return new WriterLock(-1);
        string path = Path.Combine(Path.GetDirectoryName(databasePath)!, FileName);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, OwnerReadWrite);
        if (fd < 0)
            throw new CkrException(CKR.CKR_DEVICE_ERROR, $"cannot open the token's lock file (errno {Marshal.GetLastPInvokeError()})");
        return new WriterLock(fd);
    }

    /// <summary>Waits for this process's turn to write; dispose the result to let the next one in.</summary>
    public Held Acquire()
    {
        ObjectDisposedException.ThrowIf(_fd == int.MinValue, this);
        if (_fd < 0) return new Held(null);
        while (flock(_fd, LOCK_EX) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR) throw new CkrException(CKR.CKR_DEVICE_ERROR, $"cannot lock the token for writing (errno {errno})");
        }
        return new Held(this);
    }

    /// <summary>Closes the descriptor without unlocking: in a forked child a held lock is the parent's, and
    /// stays held until the parent lets go (or its last descriptor closes).</summary>
    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, int.MinValue);
        if (fd >= 0) _ = close(fd);
    }

    private void Release()
    {
        int fd = Volatile.Read(ref _fd);
        if (fd >= 0) _ = flock(fd, LOCK_UN);
    }

    /// <summary>The turn to write; a <c>using</c> ends it.</summary>
    public readonly struct Held(WriterLock? owner) : IDisposable
    {
        public void Dispose() => owner?.Release();
    }

    // Plain ints and a string: no unsafe code here (STYLE: only Abi and Native are unsafe).
    [DllImport("libc", EntryPoint = "open", SetLastError = true, ExactSpelling = true, BestFitMapping = false)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true, ExactSpelling = true)]
    private static extern int flock(int fd, int operation);

    [DllImport("libc", EntryPoint = "close", ExactSpelling = true)]
    private static extern int close(int fd);
}
