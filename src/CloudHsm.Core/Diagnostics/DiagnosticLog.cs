using System.Globalization;
using System.Runtime.CompilerServices;

namespace CloudHsm.Core.Diagnostics;

/// <summary>
/// The module's diagnostic log (STYLE 6.13; kryoptic's KRYOPTIC_TRACE): off by default, synchronous,
/// one flushed line per event. Separate from the audit trail, and never given PINs, key bytes,
/// plaintext, signatures or attribute values.
/// </summary>
/// <remarks>
/// Enabled by <c>CLOUDHSM_PKCS11_TRACE=stderr|&lt;file&gt;</c> and
/// <c>CLOUDHSM_PKCS11_TRACE_LEVEL=error|warn|info|debug</c>, which override the configuration's
/// <c>logDestination</c>/<c>logLevel</c>. A destination without a level logs at <c>debug</c> when it
/// came from the environment (asking for a trace means the per-call lines) and at <c>error</c> when it
/// came from the configuration (a standing log of failures). With no destination at all, errors
/// still go to stderr (a bad configuration, a device error), as SoftHSM reports its failures to syslog:
/// a module that fails C_Initialize in silence leaves its operator nothing to go on.
/// <c>CLOUDHSM_PKCS11_TRACE_LEVEL=off</c> silences even those.
/// </remarks>
public static class DiagnosticLog
{
    public const string DestinationVariable = "CLOUDHSM_PKCS11_TRACE";
    public const string LevelVariable = "CLOUDHSM_PKCS11_TRACE_LEVEL";

    private static readonly Lock Gate = new();
    private static DiagnosticSink? s_sink;
    private static int s_level = (int)DiagnosticLevel.Off;

    /// <summary>The process id written on each line. <see cref="Environment.ProcessId"/> caches its first
    /// answer, which a forked child would inherit; the native module installs a getpid() here.</summary>
    public static Func<int> ProcessId { get; set; } = static () => Environment.ProcessId;

    /// <summary>Cheap enough for every call: one volatile read and a compare.</summary>
    public static bool IsEnabled(DiagnosticLevel level) => level != DiagnosticLevel.Off && (int)level <= Volatile.Read(ref s_level);

    /// <summary>(Re)opens the log from the environment and the given configuration values.</summary>
    public static void Configure(string? configDestination, string? configLevel)
    {
        string? envDestination = NonEmpty(Environment.GetEnvironmentVariable(DestinationVariable));
        string destination = envDestination ?? NonEmpty(configDestination) ?? "stderr";
        string? levelText = NonEmpty(Environment.GetEnvironmentVariable(LevelVariable)) ?? NonEmpty(configLevel);
        var fallback = envDestination is not null ? DiagnosticLevel.Debug : DiagnosticLevel.Error;
        bool levelKnown = TryParseLevel(levelText, out var level);

        lock (Gate)
        {
            s_sink?.Dispose();
            s_sink = null;
            Volatile.Write(ref s_level, (int)DiagnosticLevel.Off);
            try
            {
                s_sink = DiagnosticSink.Open(destination);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                // A log that cannot be opened must not stop the module from working.
                return;
            }
            Volatile.Write(ref s_level, (int)(levelText is null || !levelKnown ? fallback : level));
        }
        if (levelText is not null && !levelKnown)
            Write(DiagnosticLevel.Warn, $"unknown log level '{levelText}', using {fallback}");
    }

    /// <summary>Turns the log off and closes its file.</summary>
    public static void Close() => Configure(null, null);

    public static void Write(DiagnosticLevel level, [InterpolatedStringHandlerArgument(nameof(level))] ref DiagnosticMessage message)
    {
        if (message.IsEnabled)
            WriteLine(level, message.ToStringAndClear());
    }

    public static void Write(DiagnosticLevel level, string message)
    {
        if (IsEnabled(level))
            WriteLine(level, message);
    }

    public static bool TryParseLevel(string? text, out DiagnosticLevel level)
    {
        level = text?.Trim().ToUpperInvariant() switch
        {
            "ERROR" => DiagnosticLevel.Error,
            "WARN" or "WARNING" => DiagnosticLevel.Warn,
            "INFO" => DiagnosticLevel.Info,
            "DEBUG" or "TRACE" => DiagnosticLevel.Debug,
            "OFF" or "NONE" => DiagnosticLevel.Off,
            _ => (DiagnosticLevel)int.MinValue,
        };
        return level != (DiagnosticLevel)int.MinValue;
    }

    private static void WriteLine(DiagnosticLevel level, string message)
    {
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} cloudhsm_pkcs11[{ProcessId()}:{Environment.CurrentManagedThreadId}] {LevelName(level)} {message}");
        lock (Gate)
        {
            try
            {
                s_sink?.WriteLine(line);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // Losing a log line is better than failing the PKCS#11 call that wrote it.
            }
        }
    }

    private static string LevelName(DiagnosticLevel level) => level switch
    {
        DiagnosticLevel.Error => "ERROR",
        DiagnosticLevel.Warn => "WARN",
        DiagnosticLevel.Info => "INFO",
        _ => "DEBUG",
    };

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
