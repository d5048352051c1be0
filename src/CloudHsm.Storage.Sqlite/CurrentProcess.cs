using System.Globalization;

namespace CloudHsm.Storage.Sqlite;

/// <summary>
/// The id of the calling process, as the kernel sees it now. <see cref="Environment.ProcessId"/> will not
/// do: the runtime caches it, so in a child made by fork() (nginx's workers) it still reports the parent.
/// On Linux <c>/proc/self</c> is a link named after the real pid (one readlink, a few microseconds);
/// elsewhere the cached value is the best safe code can get. A host that can call getpid() directly
/// (the native module) may pass its own source to <see cref="SqliteTokenDirectory"/>.
/// </summary>
internal static class CurrentProcess
{
    public static int Id()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                string? target = new FileInfo("/proc/self").LinkTarget;
                if (int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) return pid;
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return Environment.ProcessId;
    }
}
