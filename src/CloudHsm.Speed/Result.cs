using System.Globalization;
using System.Text;

namespace CloudHsm.Speed;

/// <summary>The outcome of one operation, in p11bench's terms (ops/s over the wall-clock window from
/// the first thread's start to the last thread's final completion; latency percentiles from the merged
/// histograms), plus the RSS figures of rss-100-sessions.</summary>
internal sealed class Result
{
    public bool Selected;
    public OpStatus Status = OpStatus.Skipped;
    public string Message = "";
    public int Threads;
    public long Ops;
    public double ElapsedS, OpsPerS, MeanUs, P50Us, P99Us, MinUs, MaxUs;
    public long RssBeforeKiB = -1, RssAfterInitKiB = -1, RssAfterSessionsKiB = -1;

    public double RssGrowthMiB => (RssAfterSessionsKiB - RssBeforeKiB) / 1024.0;

    public void SetFrom(Histogram h, long tStart, long tEnd, int threads)
    {
        double usPerTick = 1e6 / System.Diagnostics.Stopwatch.Frequency;
        Threads = threads;
        Ops = h.Count;
        ElapsedS = (tEnd - tStart) / (double)System.Diagnostics.Stopwatch.Frequency;
        OpsPerS = ElapsedS > 0 ? h.Count / ElapsedS : 0;
        MeanUs = h.Count > 0 ? h.Sum * usPerTick / h.Count : 0;
        P50Us = h.Percentile(0.50) * usPerTick;
        P99Us = h.Percentile(0.99) * usPerTick;
        MinUs = h.Min * usPerTick;
        MaxUs = h.Max * usPerTick;
    }
}

/// <summary>Run information for the header of the text and JSON output.</summary>
internal sealed class RunInfo
{
    public string Module = "", Date = "";
    public int NProc = Environment.ProcessorCount;
    public string LibManufacturer = "", LibDescription = "", LibVersion = "", Cryptoki = "";
    public string TokenLabel = "", TokenManufacturer = "", TokenModel = "", TokenSerial = "";
}

internal static class Output
{
    private static string F(double v, string format = "F3") => v.ToString(format, CultureInfo.InvariantCulture);

    public static string Json(string s)
    {
        var b = new StringBuilder("\"");
        foreach (char c in s)
        {
            if (c is '"' or '\\')
                b.Append('\\').Append(c);
            else if (c < 0x20)
                b.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else
                b.Append(c);
        }
        return b.Append('"').ToString();
    }

    public static double MibPerS(OpDef op, Result r) => op.BytesPerOp * r.OpsPerS / (1024.0 * 1024.0);

    public static void Text(TextWriter w, Bench b, RunInfo ri, Result[] res)
    {
        w.WriteLine($"cloudhsm-speed {Program.Version}  date={ri.Date}  nproc={ri.NProc}");
        w.WriteLine($"module : {ri.Module}");
        w.WriteLine($"library: {ri.LibManufacturer} / {ri.LibDescription} {ri.LibVersion} (cryptoki {ri.Cryptoki})");
        w.WriteLine($"token  : \"{ri.TokenLabel}\" ({ri.TokenManufacturer} {ri.TokenModel}, serial {ri.TokenSerial}), slot {b.Slot}");
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run    : threads={b.Options.Threads} seconds={b.Options.Seconds:F2} warmup={b.Options.Warmup:F2}"));
        w.WriteLine();
        w.WriteLine($"{"op",-26} {"status",-11} {"ops",9} {"ops/s",11} {"mean_us",11} {"p50_us",11} {"p99_us",11} {"MiB/s",9}");
        for (int i = 0; i < Operations.All.Length; i++)
        {
            Result r = res[i];
            OpDef op = Operations.All[i];
            if (!r.Selected)
                continue;
            if (r.Status == OpStatus.Ok && op.Kind == OpKind.Rss)
            {
                w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{op.Name,-26} {"ok",-11} RSS growth {r.RssGrowthMiB:F1} MiB (VmRSS {r.RssBeforeKiB} kB before load, {r.RssAfterInitKiB} kB after C_Initialize, {r.RssAfterSessionsKiB} kB after {Operations.RssSessions} sessions)"));
            }
            else if (r.Status == OpStatus.Ok)
            {
                string mib = op.BytesPerOp != 0 ? F(MibPerS(op, r), "F1") : "-";
                w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{op.Name,-26} {"ok",-11} {r.Ops,9} {r.OpsPerS,11:F1} {r.MeanUs,11:F1} {r.P50Us,11:F1} {r.P99Us,11:F1} {mib,9}"));
            }
            else
            {
                w.WriteLine($"{op.Name,-26} {r.Status.Name(),-11} {r.Message}");
            }
        }
    }

    /// <summary>One JSON object, one result per line (the layout compare.sh relies on for p11bench).</summary>
    public static void JsonDocument(TextWriter w, Bench b, RunInfo ri, Result[] res)
    {
        var s = new StringBuilder();
        s.Append("{\"tool\":\"cloudhsm-speed\",\"version\":").Append(Json(Program.Version))
         .Append(",\"date\":").Append(Json(ri.Date))
         .Append(",\"nproc\":").Append(ri.NProc)
         .Append(",\"module\":").Append(Json(ri.Module))
         .Append(",\"library\":{\"manufacturer\":").Append(Json(ri.LibManufacturer))
         .Append(",\"description\":").Append(Json(ri.LibDescription))
         .Append(",\"version\":").Append(Json(ri.LibVersion))
         .Append(",\"cryptoki\":").Append(Json(ri.Cryptoki)).Append("},\n");
        s.Append(" \"token\":{\"label\":").Append(Json(ri.TokenLabel))
         .Append(",\"manufacturer\":").Append(Json(ri.TokenManufacturer))
         .Append(",\"model\":").Append(Json(ri.TokenModel))
         .Append(",\"serial\":").Append(Json(ri.TokenSerial))
         .Append("},\"slot\":").Append((ulong)b.Slot)
         .Append(",\"threads\":").Append(b.Options.Threads)
         .Append(",\"seconds\":").Append(F(b.Options.Seconds))
         .Append(",\"warmup\":").Append(F(b.Options.Warmup))
         .Append(",\"objects\":").Append(b.Options.Objects)
         .Append(",\"results\":[\n");
        bool first = true;
        for (int i = 0; i < Operations.All.Length; i++)
        {
            Result r = res[i];
            OpDef op = Operations.All[i];
            if (!r.Selected)
                continue;
            s.Append(first ? "" : ",\n").Append("  {\"op\":\"").Append(op.Name).Append("\",\"status\":\"").Append(r.Status.Name()).Append('"');
            first = false;
            if (r.Status == OpStatus.Ok && op.Kind == OpKind.Rss)
            {
                s.Append(",\"threads\":1,\"sessions\":").Append(Operations.RssSessions)
                 .Append(",\"rss_before_kib\":").Append(r.RssBeforeKiB)
                 .Append(",\"rss_after_init_kib\":").Append(r.RssAfterInitKiB)
                 .Append(",\"rss_after_sessions_kib\":").Append(r.RssAfterSessionsKiB)
                 .Append(",\"rss_growth_mib\":").Append(F(r.RssGrowthMiB));
            }
            else if (r.Status == OpStatus.Ok)
            {
                s.Append(",\"threads\":").Append(r.Threads)
                 .Append(",\"ops\":").Append(r.Ops)
                 .Append(",\"elapsed_s\":").Append(F(r.ElapsedS, "F4"))
                 .Append(",\"ops_per_s\":").Append(F(r.OpsPerS))
                 .Append(",\"mean_us\":").Append(F(r.MeanUs))
                 .Append(",\"p50_us\":").Append(F(r.P50Us))
                 .Append(",\"p99_us\":").Append(F(r.P99Us))
                 .Append(",\"min_us\":").Append(F(r.MinUs))
                 .Append(",\"max_us\":").Append(F(r.MaxUs));
                if (op.BytesPerOp != 0)
                    s.Append(",\"bytes_per_op\":").Append(op.BytesPerOp).Append(",\"mib_per_s\":").Append(F(MibPerS(op, r)));
            }
            else
            {
                s.Append(",\"message\":").Append(Json(r.Message));
            }
            s.Append('}');
        }
        s.Append("\n]}\n");
        w.Write(s.ToString());
    }
}
