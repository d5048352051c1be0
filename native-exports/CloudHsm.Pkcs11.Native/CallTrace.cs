using System.Runtime.CompilerServices;
using CloudHsm.Core.Diagnostics;

namespace CloudHsm.Pkcs11.Native;

/// <summary>
/// The argument list of a traced C_ call, as an interpolated string that is neither evaluated nor
/// formatted unless debug logging is on: every export pays one flag test when the log is off.
/// </summary>
[InterpolatedStringHandler]
internal ref struct CallTrace
{
    private DefaultInterpolatedStringHandler _builder;

    public CallTrace(int literalLength, int formattedCount, out bool isEnabled)
    {
        IsEnabled = isEnabled = DiagnosticLog.IsEnabled(DiagnosticLevel.Debug);
        _builder = isEnabled ? new DefaultInterpolatedStringHandler(literalLength, formattedCount, System.Globalization.CultureInfo.InvariantCulture) : default;
    }

    public bool IsEnabled { get; }

    public void AppendLiteral(string value) => _builder.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => _builder.AppendFormatted(value);

    public void AppendFormatted<T>(T value, string? format) => _builder.AppendFormatted(value, format);

    public void AppendFormatted(string? value) => _builder.AppendFormatted(value);

    public string ToStringAndClear() => IsEnabled ? _builder.ToStringAndClear() : string.Empty;
}
