using System.Runtime.CompilerServices;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Errors;

/// <summary>
/// The one exception type of the core: carries the CKR code the spec lists for the failing function.
/// The message is for logs only and never holds PINs, key bytes or plaintext.
/// </summary>
public class CkrException : Exception
{
    public CKR Rv { get; }

    public CkrException(CKR rv, string? detail = null, Exception? inner = null)
        : base(detail is null ? rv.ToString() : $"{rv}: {detail}", inner) => Rv = rv;

    public static void ThrowIf(bool condition, CKR rv, string? detail = null)
    {
        if (condition) throw new CkrException(rv, detail);
    }

    /// <summary>The same with an interpolated detail, formatted only when <paramref name="condition"/> holds:
    /// these checks sit on every hot path, and formatting an enum costs more than the check.</summary>
    public static void ThrowIf(bool condition, CKR rv, [InterpolatedStringHandlerArgument(nameof(condition))] ref Detail detail)
    {
        if (condition) throw new CkrException(rv, detail.ToStringAndClear());
    }

    /// <summary>An interpolated string that is only built if the check fails.</summary>
    [InterpolatedStringHandler]
    public ref struct Detail
    {
        private DefaultInterpolatedStringHandler _text;

        public Detail(int literalLength, int formattedCount, bool condition, out bool shouldAppend)
        {
            shouldAppend = condition;
            if (condition) _text = new DefaultInterpolatedStringHandler(literalLength, formattedCount);
        }

        public void AppendLiteral(string value) => _text.AppendLiteral(value);

        public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);

        public void AppendFormatted<T>(T value, string? format) => _text.AppendFormatted(value, format);

        internal string ToStringAndClear() => _text.ToStringAndClear();
    }
}

/// <summary>
/// CKR_BUFFER_TOO_SMALL with the length the caller must supply; the boundary writes it to *pulLen.
/// The operation that raised it stays active (PKCS#11 §5.2, the two-call convention).
/// </summary>
public sealed class BufferTooSmallException(int requiredLength)
    : CkrException(CKR.CKR_BUFFER_TOO_SMALL, $"needs {requiredLength} bytes")
{
    public int RequiredLength { get; } = requiredLength;
}
