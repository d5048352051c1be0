using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Native;

/// <summary>The current process id, correct in a forked child.</summary>
internal static partial class NativeProcess
{
#if CK_WINDOWS
    /// <summary>Windows has no fork.</summary>
    public static int CurrentId() => Environment.ProcessId;
#else
    /// <summary>
    /// getpid(2) on every call. <see cref="Environment.ProcessId"/> caches its first answer, so in a
    /// child forked after the module was used it would still name the parent — exactly the case this
    /// must detect. The csproj binds "libc" with DirectPInvoke, so no dlopen happens at run time.
    /// </summary>
    public static int CurrentId() => getpid();

    [LibraryImport("libc", EntryPoint = "getpid")]
    [SuppressGCTransition] // a syscall that neither blocks nor calls back
    private static partial int getpid();
#endif
}
