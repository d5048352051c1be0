using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Diagnostics;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Native;

/// <summary>
/// The one place where exceptions become CKR codes (STYLE 6.6), and where each C_ call is traced on
/// exit. Every export ends in <see cref="Exit"/> and catches everything into <see cref="ToCkr"/>: an
/// exception must never unwind into C (it would abort the host process).
/// </summary>
internal static unsafe class Boundary
{
    /// <summary>The detail of the current call's CkrException, for its trace line.</summary>
    [ThreadStatic]
    private static string? t_detail;

    /// <param name="e">What the call threw.</param>
    /// <param name="pulLen">The call's output-length pointer, if it has one: a
    /// <see cref="BufferTooSmallException"/> writes the required length there (STYLE 6.5).</param>
    /// <param name="expectedLevel">The level at which a CkrException carrying an ordinary spec answer is
    /// logged: debug for most calls, error for C_Initialize (a bad configuration must be visible).</param>
    /// <param name="function">The export's name (the method is named after the C function).</param>
    public static CKR ToCkr(Exception e, CK_ULONG* pulLen = null, DiagnosticLevel expectedLevel = DiagnosticLevel.Debug,
                            [CallerMemberName] string function = "")
    {
        try
        {
            switch (e)
            {
                case BufferTooSmallException small:
                    if (pulLen != null)
                        *pulLen = CkULong.From(small.RequiredLength);
                    return CKR.CKR_BUFFER_TOO_SMALL;
                case CkrException { Rv: CKR.CKR_GENERAL_ERROR or CKR.CKR_DEVICE_ERROR } failure:
                    DiagnosticLog.Write(DiagnosticLevel.Error, $"{function}: {failure}");
                    return failure.Rv;
                case CkrException expected when expectedLevel == DiagnosticLevel.Debug:
                    // The spec's answer to a bad call: its detail (never secrets) goes on the call's trace line.
                    if (DiagnosticLog.IsEnabled(DiagnosticLevel.Debug))
                        t_detail = expected.Message;
                    return expected.Rv;
                case CkrException expected:
                    DiagnosticLog.Write(expectedLevel, $"{function}: {expected.Message}");
                    return expected.Rv;
                case OutOfMemoryException:
                    return CKR.CKR_HOST_MEMORY;
                case CryptographicException crypto:
                    DiagnosticLog.Write(DiagnosticLevel.Warn, $"{function}: {crypto}");
                    return CKR.CKR_FUNCTION_FAILED;
                default:
                    DiagnosticLog.Write(DiagnosticLevel.Error, $"{function}: unexpected {e}");
                    return CKR.CKR_GENERAL_ERROR;
            }
        }
        catch
        {
            // Even the mapping must not throw into C (a log write, a conversion).
            return CKR.CKR_GENERAL_ERROR;
        }
    }

    /// <summary>
    /// For calls that take a session handle. §5.1 ranks the codes of §5.1.2 (CKR_SESSION_HANDLE_INVALID) above
    /// those of §5.1.6 (CKR_ARGUMENTS_BAD, CKR_ATTRIBUTE_*, CKR_MECHANISM_* …), but the exports read pointers,
    /// templates and mechanisms before the backend looks the session up: a call refused that early on a handle
    /// that is no open session answers CKR_SESSION_HANDLE_INVALID. The check costs nothing on success.
    /// </summary>
    public static CKR ToCkr(Exception e, CK_SESSION_HANDLE hSession, CK_ULONG* pulLen = null, [CallerMemberName] string function = "") =>
        SessionFirst(ToCkr(e, pulLen, DiagnosticLevel.Debug, function), hSession);

    /// <summary>
    /// For calls that continue an operation (C_Encrypt, C_SignUpdate, …): as above, and a call refused here
    /// for bad arguments ends the session's operation of <paramref name="kind"/>, as any error but a size
    /// answer does (§5.2); errors from the core have ended it already.
    /// </summary>
    public static CKR ToCkr(Exception e, CK_SESSION_HANDLE hSession, OperationKind kind, CK_ULONG* pulLen = null,
                            [CallerMemberName] string function = "")
    {
        CKR rv = SessionFirst(ToCkr(e, pulLen, DiagnosticLevel.Debug, function), hSession);
        if (rv == CKR.CKR_ARGUMENTS_BAD)
            ModuleState.TryCancelOperation(hSession, kind);
        return rv;
    }

    /// <summary>CKR_SESSION_HANDLE_INVALID in place of a lower-ranked code when the handle is no open session.
    /// Codes that only the backend gives (it looked the session up first) and §5.1.1's are kept as they are.</summary>
    private static CKR SessionFirst(CKR rv, CK_SESSION_HANDLE hSession) =>
        rv is CKR.CKR_SESSION_HANDLE_INVALID or CKR.CKR_CRYPTOKI_NOT_INITIALIZED or CKR.CKR_BUFFER_TOO_SMALL
            or CKR.CKR_GENERAL_ERROR or CKR.CKR_HOST_MEMORY or CKR.CKR_FUNCTION_FAILED
            || ModuleState.IsOpenSession(hSession)
            ? rv
            : CKR.CKR_SESSION_HANDLE_INVALID;

    /// <summary>Traces the call at debug level and converts the code to the ABI's CK_RV.</summary>
    /// <param name="rv">The call's result.</param>
    /// <param name="arguments">Names, handles, lengths and pointer null-ness — never values (STYLE 6.13);
    /// formatted only when debug logging is on.</param>
    /// <param name="function">The export's name.</param>
    public static CK_RV Exit(CKR rv, ref CallTrace arguments, [CallerMemberName] string function = "")
    {
        string? detail = t_detail;
        t_detail = null;
        if (arguments.IsEnabled)
        {
            try
            {
                // CkrException messages read "CKR_X: detail"; the line already names the code.
                string code = rv.ToString();
                if (detail is not null && detail.StartsWith(code, StringComparison.Ordinal))
                    detail = detail[code.Length..].TrimStart(':', ' ');
                string suffix = string.IsNullOrEmpty(detail) ? string.Empty : $" ({detail})";
                DiagnosticLog.Write(DiagnosticLevel.Debug, $"{function}({arguments.ToStringAndClear()}) = {rv}{suffix}");
            }
            catch
            {
                // Tracing is best effort.
            }
        }
        return (CK_RV)(uint)rv;
    }

    /// <summary>How a pointer argument is traced: only whether it is NULL.</summary>
    public static string Ptr(void* p) => p == null ? "NULL" : "ptr";

    /// <summary>How an output CK_ULONG pointer is traced: NULL or what it holds (a length, a count, a handle).</summary>
    public static string Held(CK_ULONG* p) => p == null ? "NULL" : ((ulong)*p).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
