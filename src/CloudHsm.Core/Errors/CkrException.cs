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
