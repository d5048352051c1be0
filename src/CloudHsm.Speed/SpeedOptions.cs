using System.Globalization;

namespace CloudHsm.Speed;

/// <summary>The command line, with p11bench's options and defaults (plus --populate).</summary>
internal sealed class SpeedOptions
{
    public const string PinVariable = "CLOUDHSM_SPEED_PIN";

    public string? Module { get; private set; }
    public ulong? Slot { get; private set; }
    public string? TokenLabel { get; private set; }
    public string? Pin { get; private set; } = Environment.GetEnvironmentVariable(PinVariable);
    public int Threads { get; private set; } = 1;
    public double Seconds { get; private set; } = 3.0;
    public double Warmup { get; private set; } = 0.5;
    public bool Json { get; private set; }
    public bool[] Selected { get; } = new bool[Operations.All.Length];
    public int Objects { get; private set; } = 100;
    public ulong RsaKeygenMax { get; private set; } = 20;
    public bool PurgeStale { get; private set; }
    public bool IgnoreMechList { get; private set; }
    public bool Quiet { get; private set; }
    public int? Populate { get; private set; }
    public bool ListOps { get; private set; }
    public bool Help { get; private set; }
    public bool Version { get; private set; }

    public static string Usage()
    {
        var w = new StringWriter();
        w.WriteLine("usage: cloudhsm-speed --module PATH [--slot N | --token-label L] [--pin PIN]");
        w.WriteLine("                      [--threads T] [--seconds S] [--warmup S] [--json] [--ops LIST]");
        w.WriteLine("                      [--objects N] [--rsa-keygen-max N] [--purge-stale]");
        w.WriteLine("                      [--ignore-mech-list] [--quiet] [--list-ops]");
        w.WriteLine("       cloudhsm-speed --module PATH [--slot N | --token-label L] [--pin PIN] --populate N");
        w.WriteLine();
        w.WriteLine("  --module PATH       PKCS#11 module (shared library exporting C_GetFunctionList)");
        w.WriteLine("  --slot N            slot ID to use");
        w.WriteLine("  --token-label L     use the slot whose token has this label");
        w.WriteLine("                      (default: first slot with an initialized token)");
        w.WriteLine($"  --pin PIN           user PIN (or set {PinVariable}, which keeps it out of ps)");
        w.WriteLine("  --threads T         worker threads, one R/W session each (default 1)");
        w.WriteLine("  --seconds S         timed duration per operation (default 3)");
        w.WriteLine("  --warmup S          untimed warm-up per operation and thread (default 0.5)");
        w.WriteLine("  --json              print one JSON object (one result per line) instead of the table");
        w.WriteLine("  --ops LIST          comma-separated operations (default: all)");
        w.WriteLine("  --objects N         token objects created for find-objects (default 100)");
        w.WriteLine("  --rsa-keygen-max N  per-thread cap on timed rsa2048-keygen calls (default 20; 0 = none)");
        w.WriteLine("  --purge-stale       destroy data objects an interrupted earlier run left behind");
        w.WriteLine("  --ignore-mech-list  try mechanisms even if C_GetMechanismList omits them");
        w.WriteLine("  --quiet             no progress on stderr");
        w.WriteLine("  --populate N        make the token hold exactly N persistent public data objects");
        w.WriteLine("                      (CKA_APPLICATION \"cloudhsm-speed-fixture\"), creating or destroying");
        w.WriteLine("                      them, then exit: the fixture for the start-up measurements");
        w.WriteLine();
        w.WriteLine("operations:");
        foreach (OpDef op in Operations.All)
            w.WriteLine($"  {op.Name,-26} {op.Description}");
        return w.ToString();
    }

    /// <summary>Parses the arguments; returns an error message, or null.</summary>
    public string? Parse(string[] args)
    {
        bool anySelected = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string? inline = null;
            int eq = a.IndexOf('=', StringComparison.Ordinal);
            if (a.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inline = a[(eq + 1)..];
                a = a[..eq];
            }
            string Value()
            {
                if (inline != null)
                    return inline;
                if (i + 1 >= args.Length)
                    throw new FormatException($"{a} needs a value");
                return args[++i];
            }
            try
            {
                switch (a)
                {
                    case "--module": Module = Value(); break;
                    case "--slot": Slot = ParseULong(Value(), a, 0, ulong.MaxValue); break;
                    case "--token-label": TokenLabel = Value(); break;
                    case "--pin": Pin = Value(); break;
                    case "--threads": Threads = (int)ParseULong(Value(), a, 1, 1024); break;
                    case "--seconds": Seconds = ParseDouble(Value(), a, 0.01, 86400); break;
                    case "--warmup": Warmup = ParseDouble(Value(), a, 0, 3600); break;
                    case "--json": Json = true; break;
                    case "--ops":
                        foreach (string name in Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        {
                            int k = Array.FindIndex(Operations.All, o => o.Name == name);
                            if (k < 0)
                                return $"unknown operation '{name}' (see --list-ops)";
                            Selected[k] = true;
                            anySelected = true;
                        }
                        break;
                    case "--objects": Objects = (int)ParseULong(Value(), a, 1, 1_000_000); break;
                    case "--rsa-keygen-max": RsaKeygenMax = ParseULong(Value(), a, 0, ulong.MaxValue); break;
                    case "--purge-stale": PurgeStale = true; break;
                    case "--ignore-mech-list": IgnoreMechList = true; break;
                    case "--quiet": case "-q": Quiet = true; break;
                    case "--populate": Populate = (int)ParseULong(Value(), a, 0, 10_000_000); break;
                    case "--list-ops": ListOps = true; break;
                    case "--help": case "-h": Help = true; break;
                    case "--version": Version = true; break;
                    default: return $"unknown option {args[i]} (see --help)";
                }
            }
            catch (FormatException e)
            {
                return e.Message;
            }
        }
        if (Help || ListOps || Version)
            return null;
        if (!anySelected)
            Array.Fill(Selected, true);
        if (Module == null)
            return "--module is required (see --help)";
        if (Pin == null)
            return $"--pin is required (or set {PinVariable})";
        if (Slot != null && TokenLabel != null)
            return "use either --slot or --token-label, not both";
        return null;
    }

    private static ulong ParseULong(string s, string option, ulong lo, ulong hi)
    {
        bool ok = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong v)
            : ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v);
        if (!ok || v < lo || v > hi)
            throw new FormatException($"invalid value for {option}: {s}");
        return v;
    }

    private static double ParseDouble(string s, string option, double lo, double hi)
    {
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v >= lo && v <= hi))
            throw new FormatException($"invalid value for {option}: {s}");
        return v;
    }
}
