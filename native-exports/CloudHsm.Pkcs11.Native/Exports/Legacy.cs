using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Exports;

/// <summary>
/// Parallel function management (PKCS#11 §5.16), a legacy of v1: functions never run in parallel
/// with the application, and the spec requires C_GetFunctionStatus and C_CancelFunction to answer
/// CKR_FUNCTION_NOT_PARALLEL in that case. The session handle is still checked (through
/// C_GetSessionInfo's backend call), so a bad handle gets CKR_SESSION_HANDLE_INVALID and a call
/// before C_Initialize gets CKR_CRYPTOKI_NOT_INITIALIZED.
/// </summary>
internal static unsafe class Legacy
{
    [UnmanagedCallersOnly(EntryPoint = "C_GetFunctionStatus", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE hSession)
    {
        CKR rv;
        try
        {
            ModuleState.Backend.GetSessionInfo(hSession);
            rv = CKR.CKR_FUNCTION_NOT_PARALLEL;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_CancelFunction", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_CancelFunction(CK_SESSION_HANDLE hSession)
    {
        CKR rv;
        try
        {
            ModuleState.Backend.GetSessionInfo(hSession);
            rv = CKR.CKR_FUNCTION_NOT_PARALLEL;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}");
    }
}
