using System.Runtime.CompilerServices;

namespace CloudHsm.Core.Diagnostics;

/// <summary>
/// Builds a log message from an interpolated string only when its level is on: with the log off,
/// <c>DiagnosticLog.Write(DiagnosticLevel.Debug, $"… {x} …")</c> formats nothing and allocates nothing.
/// </summary>
[InterpolatedStringHandler]
public ref struct DiagnosticMessage
{
    private DefaultInterpolatedStringHandler _builder;

    public DiagnosticMessage(int literalLength, int formattedCount, DiagnosticLevel level, out bool isEnabled)
    {
        IsEnabled = isEnabled = DiagnosticLog.IsEnabled(level);
        _builder = isEnabled ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
    }

    public bool IsEnabled { get; }

    public void AppendLiteral(string value) => _builder.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => _builder.AppendFormatted(value);

    public void AppendFormatted<T>(T value, string? format) => _builder.AppendFormatted(value, format);

    public void AppendFormatted(ReadOnlySpan<char> value) => _builder.AppendFormatted(value);

    public void AppendFormatted(string? value) => _builder.AppendFormatted(value);

    public string ToStringAndClear() => IsEnabled ? _builder.ToStringAndClear() : string.Empty;
}
