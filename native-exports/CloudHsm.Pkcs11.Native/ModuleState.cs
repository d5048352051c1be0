using CloudHsm.Core.Backend;
using CloudHsm.Core.Configuration;
using CloudHsm.Core.Diagnostics;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Composition;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Native;

/// <summary>
/// The C_Initialize / C_Finalize lifecycle and the one backend between them.
/// </summary>
/// <remarks>
/// Fork (DESIGN fact 2): nginx and libp11 load the module in a master process, fork workers, and
/// call C_Initialize again in each worker. The backend belongs to the process that initialised it:
/// its sessions, locks and SQLite connections are the parent's. When a call arrives in another
/// process, the backend is dropped WITHOUT Dispose (disposing would close or roll back the parent's
/// SQLite state through shared descriptors) and the module acts as not initialised, so the child's
/// own C_Initialize succeeds. The dropped objects are garbage in the child and never touched again.
/// The child keeps the parent's configuration: nginx clears its workers' environment, and a worker that
/// re-read CLOUDHSM_PKCS11_CONF would open another token directory (and libp11 then waits forever for a
/// session on a slot that is not there).
/// </remarks>
internal static class ModuleState
{
    private sealed record Loaded(ICryptokiBackend Backend, ModuleConfig Config, int ProcessId);

    private static readonly Lock Gate = new();
    private static Loaded? s_loaded;

    /// <summary>The configuration of the process this one was forked from, if it was.</summary>
    private static ModuleConfig? s_parentConfig;

    /// <summary>The backend, or CKR_CRYPTOKI_NOT_INITIALIZED (also in a forked child of the process
    /// that initialised it). One volatile read and a getpid per call.</summary>
    public static ICryptokiBackend Backend
    {
        get
        {
            var loaded = Volatile.Read(ref s_loaded);
            if (loaded is not null && loaded.ProcessId == NativeProcess.CurrentId())
                return loaded.Backend;
            if (loaded is not null)
                ForgetParent(loaded);
            throw new CkrException(CKR.CKR_CRYPTOKI_NOT_INITIALIZED);
        }
    }

    /// <summary>Ends an operation after a refused call; never throws (the call's own code is what matters).</summary>
    public static void TryCancelOperation(ulong session, OperationKind kind)
    {
        try
        {
            Backend.CancelOperation(session, kind);
        }
        catch (CkrException)
        {
            // Not initialised or no such session: there is no operation to end.
        }
    }

    /// <summary>Whether the handle names an open session (an error path's question; never throws). Not
    /// initialised, or any failure to tell: true, so the call's own code stands.</summary>
    public static bool IsOpenSession(ulong session)
    {
        try
        {
            Backend.GetSessionInfo(session);
            return true;
        }
        catch (CkrException e) when (e.Rv == CKR.CKR_SESSION_HANDLE_INVALID)
        {
            return false;
        }
        catch (Exception)
        {
            return true;
        }
    }

    public static CKR Initialize(InitArgs args)
    {
        lock (Gate)
        {
            int pid = NativeProcess.CurrentId();
            if (s_loaded is { } loaded)
            {
                if (loaded.ProcessId == pid)
                    return CKR.CKR_CRYPTOKI_ALREADY_INITIALIZED;
                ForgetParent(loaded);
            }
            DiagnosticLog.Configure(null, null); // the environment's settings (again: a forked child's own file)
            ModuleConfig config = s_parentConfig ?? ModuleConfigLoader.Load(args.ConfigJson);
            DiagnosticLog.Configure(config.LogDestination, config.LogLevel);
            var backend = BackendFactory.Open(config);
            Volatile.Write(ref s_loaded, new Loaded(backend, config, pid));
            DiagnosticLog.Write(DiagnosticLevel.Info, $"initialised, token directory {config.TokenDirectory}");
            return CKR.CKR_OK;
        }
    }

    public static CKR Finalize()
    {
        lock (Gate)
        {
            var loaded = s_loaded;
            if (loaded is null)
                return CKR.CKR_CRYPTOKI_NOT_INITIALIZED;
            if (loaded.ProcessId != NativeProcess.CurrentId())
            {
                ForgetParent(loaded);
                return CKR.CKR_CRYPTOKI_NOT_INITIALIZED;
            }
            // Unpublish first: the module is finalised even if Dispose fails.
            Volatile.Write(ref s_loaded, null);
            loaded.Backend.Dispose();
            return CKR.CKR_OK;
        }
    }

    private static void ForgetParent(Loaded parents)
    {
        if (Interlocked.CompareExchange(ref s_loaded, null, parents) != parents)
            return;
        s_parentConfig = parents.Config;
        DiagnosticLog.Write(DiagnosticLevel.Info, $"process {parents.ProcessId} forked: dropping its backend without closing it");
    }
}
