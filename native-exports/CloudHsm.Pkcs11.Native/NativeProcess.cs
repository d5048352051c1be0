using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Native;

/// <summary>The current process id, correct in a forked child.</summary>
internal static unsafe partial class NativeProcess
{
#if CK_WINDOWS
    /// <summary>Windows has no fork.</summary>
    public static int CurrentId() => Environment.ProcessId;
#else
    /// <summary>Raised in every forked child by Native/fork_generation.c; null if that could not be set up
    /// (or when this assembly runs outside the published library, as in unit tests).</summary>
    private static readonly nuint* s_forkGeneration = ForkGenerationCounter();

    private static int s_pid;
    private static nuint s_pidGeneration = nuint.MaxValue;

    /// <summary>
    /// getpid(2), asked again only after a fork. <see cref="Environment.ProcessId"/> will not do: it caches
    /// its first answer, so in a child forked after the module was used it would still name the parent —
    /// exactly the case this must detect. Asking the kernel on every call cost a third of a C_SignInit +
    /// C_Sign with HMAC here, so the answer is kept until the atfork counter moves. The pid is written
    /// before the generation it belongs to, and read after it, so a thread never pairs a new generation
    /// with an old pid.
    /// </summary>
    public static int CurrentId()
    {
        if (s_forkGeneration == null) return getpid();
        nuint generation = Volatile.Read(ref *s_forkGeneration);
        if (Volatile.Read(ref s_pidGeneration) == generation) return s_pid;
        s_pid = getpid();
        Volatile.Write(ref s_pidGeneration, generation);
        return s_pid;
    }

    private static nuint* ForkGenerationCounter()
    {
        try
        {
            return cloudhsm_fork_generation();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    // Both bound at link time (DirectPInvoke in the csproj): getpid from libc, the counter from
    // Native/fork_generation.c, compiled into the library.
    [LibraryImport("libc", EntryPoint = "getpid")]
    [SuppressGCTransition] // a syscall that neither blocks nor calls back
    private static partial int getpid();

    [LibraryImport("cloudhsm_native", EntryPoint = "cloudhsm_fork_generation")]
    [SuppressGCTransition]
    private static partial nuint* cloudhsm_fork_generation();
#endif
}
