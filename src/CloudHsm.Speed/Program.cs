using System.Globalization;
using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using static CloudHsm.Speed.Pkcs11Module;

namespace CloudHsm.Speed;

/// <summary>cloudhsm-speed: loads a PKCS#11 module, logs in to one token and measures p11bench's
/// operations (plus start-up and RSS) with T threads. Exit status as p11bench: 0 all ok or
/// unsupported, 1 an op failed or cleanup failed, 2 usage, 3 setup, 130 interrupted.</summary>
internal static unsafe class Program
{
    public const string Version = "1.0";

    private static volatile int s_interrupted;
    private static volatile int s_abort;

    public static bool Quiet { get; private set; }
    public static bool Interrupted => s_interrupted != 0;
    public static bool StopRequested => s_interrupted != 0 || s_abort != 0;
    public static void Abort() => s_abort = 1;

    private static int Main(string[] args)
    {
        try
        {
            return Run(args);
        }
        finally
        {
            NativeArena.FreeAll();
        }
    }

    private static int Die(int code, string message)
    {
        Console.Error.WriteLine($"cloudhsm-speed: {message}");
        return code;
    }

    private static int Run(string[] args)
    {
        // Before anything touches the module: the baseline of rss-100-sessions.
        long rssBeforeLoad = Rss.ReadVmRssKiB();
        var o = new SpeedOptions();
        string? error = o.Parse(args);
        if (error != null)
        {
            Console.Error.WriteLine($"cloudhsm-speed: {error}");
            return 2;
        }
        if (o.Help)
        {
            Console.Write(SpeedOptions.Usage());
            return 0;
        }
        if (o.ListOps)
        {
            foreach (OpDef op in Operations.All)
                Console.WriteLine(op.Name);
            return 0;
        }
        if (o.Version)
        {
            Console.WriteLine($"cloudhsm-speed {Version}");
            return 0;
        }
        Quiet = o.Quiet;

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        var res = new Result[Operations.All.Length];
        for (int i = 0; i < res.Length; i++)
            res[i] = new Result { Selected = o.Selected[i] && o.Populate == null };
        var ri = new RunInfo
        {
            Module = o.Module!,
            Date = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        var b = new Bench(o) { RunId = unchecked(((uint)Environment.ProcessId << 16) ^ (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds()) };
        Templates.Init();

        // --- load and initialise the module
        string? loadError = Load(o.Module!);
        if (loadError != null)
            return Die(3, loadError);
        CK_RV rv = Initialize();
        if (rv != CKR_OK && rv != (CK_RV)(uint)CKR.CKR_CRYPTOKI_ALREADY_INITIALIZED)
            return Die(3, $"C_Initialize(CKF_OS_LOCKING_OK) returned {RvName(rv)}");
        long rssAfterInit = Rss.ReadVmRssKiB();
        CK_INFO info;
        if (F->C_GetInfo(&info) == CKR_OK)
        {
            ri.LibManufacturer = PaddedString(info.manufacturerID, 32);
            ri.LibDescription = PaddedString(info.libraryDescription, 32);
            ri.LibVersion = $"{info.libraryVersion.major}.{info.libraryVersion.minor}";
            ri.Cryptoki = $"{info.cryptokiVersion.major}.{info.cryptokiVersion.minor}";
        }
        string? slotError = SelectSlot(b, o);
        if (slotError != null)
        {
            F->C_Finalize(null);
            return Die(3, slotError);
        }
        CK_TOKEN_INFO ti;
        if ((rv = F->C_GetTokenInfo(b.Slot, &ti)) != CKR_OK)
        {
            F->C_Finalize(null);
            return Die(3, $"C_GetTokenInfo(slot {b.Slot}) returned {RvName(rv)}");
        }
        ri.TokenLabel = PaddedString(ti.label, 32);
        ri.TokenManufacturer = PaddedString(ti.manufacturerID, 32);
        ri.TokenModel = PaddedString(ti.model, 16);
        ri.TokenSerial = PaddedString(ti.serialNumber, 16);
        new ReadOnlySpan<byte>(ti.label, 32).CopyTo(b.PaddedTokenLabel);
        string? mechError = ReadMechanisms(b);
        if (mechError != null)
        {
            F->C_Finalize(null);
            return Die(3, mechError);
        }

        // --- sessions and login (login state is token-wide: once, on the setup session)
        CK_SESSION_HANDLE setup;
        if ((rv = F->C_OpenSession(b.Slot, (CK_FLAGS)(CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION), null, null, &setup)) != CKR_OK)
        {
            F->C_Finalize(null);
            return Die(3, $"C_OpenSession(setup) returned {RvName(rv)}");
        }
        b.Setup = setup;
        byte[] pin = System.Text.Encoding.UTF8.GetBytes(o.Pin!);
        fixed (byte* p = pin)
            rv = F->C_Login(setup, (CK_USER_TYPE)(uint)CKU.CKU_USER, p, (CK_ULONG)pin.Length);
        if (rv != CKR_OK && rv != (CK_RV)(uint)CKR.CKR_USER_ALREADY_LOGGED_IN)
        {
            F->C_CloseSession(setup);
            F->C_Finalize(null);
            return Die(3, $"C_Login(CKU_USER) returned {RvName(rv)}");
        }

        if (o.Populate is int wanted)
        {
            Bench.Progress($"cloudhsm-speed: token \"{ri.TokenLabel}\": populating to {wanted} fixture objects\n");
            int prc = b.Populate(wanted);
            return Finish(b, prc);
        }

        int rssIndex = Array.FindIndex(Operations.All, op => op.Kind == OpKind.Rss);
        if (res[rssIndex].Selected)
            MeasureRss(b, res[rssIndex], rssBeforeLoad, rssAfterInit);

        b.Sessions = new CK_SESSION_HANDLE[o.Threads];
        for (int i = 0; i < o.Threads; i++)
        {
            CK_SESSION_HANDLE h;
            if ((rv = F->C_OpenSession(b.Slot, (CK_FLAGS)(CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION), null, null, &h)) != CKR_OK)
            {
                for (int k = 0; k < i; k++)
                    F->C_CloseSession(b.Sessions[k]);
                F->C_Logout(setup);
                F->C_CloseSession(setup);
                F->C_Finalize(null);
                return Die(3, $"C_OpenSession(worker {i}) returned {RvName(rv)}");
            }
            b.Sessions[i] = h;
        }
        Bench.Progress(string.Create(CultureInfo.InvariantCulture,
            $"cloudhsm-speed: module {o.Module}, token \"{ri.TokenLabel}\", slot {b.Slot}, {o.Threads} thread(s), {o.Seconds:F2} s per op\n"));

        // --- setup: stale objects, keys, token objects
        b.HandleStale();
        for (int i = 0; i < res.Length; i++)
            if (res[i].Selected && Operations.All[i].Key != KeyKind.None)
                b.Keys[(int)Operations.All[i].Key].Needed = true;
        for (int k = 0; k < b.Keys.Length; k++)
        {
            if (b.Keys[k].Needed && !Interrupted)
            {
                b.MakeKey((KeyKind)k);
                if (b.Keys[k].Status != OpStatus.Ok)
                    Bench.Progress($"  {b.Keys[k].Message}\n");
            }
        }
        int findIndex = Array.FindIndex(Operations.All, op => op.Kind == OpKind.Find);
        if (res[findIndex].Selected && !Interrupted)
            b.CreateObjects();

        // --- measurements
        bool anyFailed = res[rssIndex].Status == OpStatus.Failed;
        int nsel = res.Count(r => r.Selected), done = 0;
        for (int i = 0; i < res.Length; i++)
        {
            OpDef op = Operations.All[i];
            if (!res[i].Selected || op.Kind == OpKind.Rss || op.IsStartup())
                continue;
            done++;
            if (Interrupted)
            {
                res[i].Status = OpStatus.Skipped;
                res[i].Message = "interrupted";
                continue;
            }
            Bench.Progress($"[{done,2}/{nsel}] {op.Name,-26} ");
            RunOp(b, op, res[i]);
            ReportProgress(res[i]);
            anyFailed |= res[i].Status == OpStatus.Failed;
        }

        // --- cleanup
        if (b.DestroyObjects() != 0)
            anyFailed = true;
        b.DestroyKeys();
        rv = F->C_Logout(setup);
        if (rv != CKR_OK && rv != (CK_RV)(uint)CKR.CKR_USER_NOT_LOGGED_IN)
            Console.Error.WriteLine($"cloudhsm-speed: warning: C_Logout returned {RvName(rv)}");
        foreach (CK_SESSION_HANDLE h in b.Sessions)
            F->C_CloseSession(h);
        F->C_CloseSession(setup);
        F->C_CloseAllSessions(b.Slot);
        rv = F->C_Finalize(null);
        if (rv != CKR_OK)
            Console.Error.WriteLine($"cloudhsm-speed: warning: C_Finalize returned {RvName(rv)}");

        // --- start-up measurements: the module is finalized now; each op initializes it itself
        for (int i = 0; i < res.Length; i++)
        {
            OpDef op = Operations.All[i];
            if (!res[i].Selected || !op.IsStartup())
                continue;
            done++;
            if (Interrupted)
            {
                res[i].Status = OpStatus.Skipped;
                res[i].Message = "interrupted";
                continue;
            }
            Bench.Progress($"[{done,2}/{nsel}] {op.Name,-26} ");
            Startup.Run(b, op, res[i]);
            ReportProgress(res[i]);
            anyFailed |= res[i].Status == OpStatus.Failed;
        }
        if (rssIndex >= 0 && res[rssIndex].Selected)
            Bench.Progress($"       {Operations.All[rssIndex].Name,-26} " +
                           (res[rssIndex].Status == OpStatus.Ok
                               ? string.Create(CultureInfo.InvariantCulture, $"RSS growth {res[rssIndex].RssGrowthMiB:F1} MiB\n")
                               : $"{res[rssIndex].Status.Name()}: {res[rssIndex].Message}\n"));

        if (o.Json)
            Output.JsonDocument(Console.Out, b, ri, res);
        else
            Output.Text(Console.Out, b, ri, res);
        if (Interrupted)
            return 130;
        return anyFailed ? 1 : 0;
    }

    private static void ReportProgress(Result r)
    {
        if (r.Status == OpStatus.Ok)
            Bench.Progress(string.Create(CultureInfo.InvariantCulture, $"{r.OpsPerS,10:F1} ops/s  p50 {r.P50Us:F1} us\n"));
        else
            Bench.Progress($"{r.Status.Name()}: {r.Message}\n");
    }

    /// <summary>Ends a --populate run: log out, close, finalize.</summary>
    private static int Finish(Bench b, int rc)
    {
        F->C_Logout(b.Setup);
        F->C_CloseSession(b.Setup);
        F->C_Finalize(null);
        return Interrupted ? 130 : rc;
    }

    private static void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        s_interrupted = 1;
    }

    public static CK_RV Initialize()
    {
        CK_C_INITIALIZE_ARGS ia = default;
        ia.flags = (CK_FLAGS)CKF.CKF_OS_LOCKING_OK;
        return F->C_Initialize(&ia);
    }

    private static string? SelectSlot(Bench b, SpeedOptions o)
    {
        if (o.Slot is ulong slot)
        {
            b.Slot = (CK_SLOT_ID)slot;
            return null;
        }
        CK_ULONG n = 0;
        CK_RV rv;
        if ((rv = F->C_GetSlotList(1, null, &n)) != CKR_OK)
            return $"C_GetSlotList returned {RvName(rv)}";
        if (n == 0)
            return "no slot with a token present";
        var slots = new CK_SLOT_ID[(int)n];
        fixed (CK_SLOT_ID* ps = slots)
            if ((rv = F->C_GetSlotList(1, ps, &n)) != CKR_OK)
                return $"C_GetSlotList returned {RvName(rv)}";
        for (int i = 0; i < (int)n; i++)
        {
            CK_TOKEN_INFO ti;
            if (F->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
                continue;
            string label = PaddedString(ti.label, 32);
            if (o.TokenLabel != null ? label == o.TokenLabel : (ti.flags & (CK_FLAGS)CKF.CKF_TOKEN_INITIALIZED) != 0)
            {
                b.Slot = slots[i];
                return null;
            }
        }
        return o.TokenLabel != null ? $"no token with label \"{o.TokenLabel}\"" : "no initialized token found";
    }

    private static string? ReadMechanisms(Bench b)
    {
        CK_ULONG n = 0;
        CK_RV rv;
        if ((rv = F->C_GetMechanismList(b.Slot, null, &n)) != CKR_OK)
            return $"C_GetMechanismList returned {RvName(rv)}";
        var list = new CK_MECHANISM_TYPE[(int)n + 1];
        fixed (CK_MECHANISM_TYPE* p = list)
            if ((rv = F->C_GetMechanismList(b.Slot, p, &n)) != CKR_OK)
                return $"C_GetMechanismList returned {RvName(rv)}";
        for (int i = 0; i < (int)n; i++)
            b.Mechanisms.Add(list[i]);
        return null;
    }

    /// <summary>rss-100-sessions: VmRSS before the module was loaded, after C_Initialize, and after
    /// the login and 100 more R/W sessions (closed again right after).</summary>
    private static void MeasureRss(Bench b, Result r, long before, long afterInit)
    {
        if (before < 0)
        {
            r.Status = OpStatus.Unsupported;
            r.Message = "no /proc/self/status (VmRSS) on this system";
            return;
        }
        var handles = new CK_SESSION_HANDLE[Operations.RssSessions];
        int opened = 0;
        CK_RV rv = CKR_OK;
        for (; opened < handles.Length; opened++)
        {
            CK_SESSION_HANDLE h;
            if ((rv = F->C_OpenSession(b.Slot, (CK_FLAGS)(CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION), null, null, &h)) != CKR_OK)
                break;
            handles[opened] = h;
        }
        long after = Rss.ReadVmRssKiB();
        for (int i = 0; i < opened; i++)
            F->C_CloseSession(handles[i]);
        if (rv != CKR_OK)
        {
            r.Status = OpStatus.Failed;
            r.Message = $"C_OpenSession #{opened + 1} returned {RvName(rv)}";
            return;
        }
        r.Status = OpStatus.Ok;
        r.Threads = 1;
        r.RssBeforeKiB = before;
        r.RssAfterInitKiB = afterInit;
        r.RssAfterSessionsKiB = after;
    }

    /// <summary>One timed operation with T threads (p11bench's run_op).</summary>
    private static void RunOp(Bench b, OpDef op, Result r)
    {
        r.Status = b.Prepare(op, out r.Message);
        if (r.Status != OpStatus.Ok)
            return;
        r.Message = "";
        int nt = b.Options.Threads;
        s_abort = 0;
        var workers = new Worker[nt];
        for (int i = 0; i < nt; i++)
            workers[i] = new Worker(b, op, i);
        using var barrier = new Barrier(nt);
        var threads = new Thread[nt];
        for (int i = 0; i < nt; i++)
        {
            Worker w = workers[i];
            threads[i] = new Thread(() => w.Main(barrier, b.Options.Warmup, b.Options.Seconds)) { Name = $"speed-{i}", IsBackground = true };
        }
        foreach (Thread t in threads)
            t.Start();
        foreach (Thread t in threads)
            t.Join();

        var merged = new Histogram();
        long t0 = long.MaxValue, t1 = long.MinValue;
        for (int i = 0; i < nt; i++)
        {
            Worker w = workers[i];
            if (w.Failed && r.Status == OpStatus.Ok)
            {
                r.Status = OpStatus.Failed;
                r.Message = w.Describe(i);
            }
            if (w.Histogram.Count > 0)
            {
                merged.Merge(w.Histogram);
                t0 = Math.Min(t0, w.TStart);
                t1 = Math.Max(t1, w.TEnd);
            }
        }
        if (r.Status == OpStatus.Ok && Interrupted)
        {
            r.Status = OpStatus.Skipped;
            r.Message = "interrupted";
        }
        if (r.Status == OpStatus.Ok && merged.Count == 0)
        {
            r.Status = OpStatus.Failed;
            r.Message = "no operations completed";
        }
        if (r.Status == OpStatus.Ok)
            r.SetFrom(merged, t0, t1, nt);
    }
}

internal static class Rss
{
    /// <summary>VmRSS of this process in kB (from /proc/self/status), or -1.</summary>
    public static long ReadVmRssKiB()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    continue;
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return -1;
    }
}
