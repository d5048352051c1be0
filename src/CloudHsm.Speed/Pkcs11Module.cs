using System.Runtime.InteropServices;
using System.Text;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Speed;

/// <summary>The loaded PKCS#11 module: its 2.40 function list, called through raw function
/// pointers (no delegates, no marshalling), and the name tables for messages.</summary>
internal static unsafe class Pkcs11Module
{
    /// <summary>The module's function list. Set once by <see cref="Load"/>, read by every thread.</summary>
    public static CK_FUNCTION_LIST* F;

    /// <summary>Internal return value for "the call succeeded but its result was wrong"
    /// (as p11bench's P11B_CHECK_FAILED: CKR_VENDOR_DEFINED | 0x7062).</summary>
    public const CK_RV CheckFailed = 0x80000000u | 0x7062u;

    public const CK_RV CKR_OK = 0;

    /// <summary>dlopen the module and ask it for its function list. The handle is never freed:
    /// some modules leave threads or atexit handlers behind (p11bench does the same).</summary>
    public static string? Load(string path)
    {
        if (!NativeLibrary.TryLoad(path, out IntPtr handle))
        {
            // TryLoad hides dlerror(); Load reports it.
            try { NativeLibrary.Load(path); }
            catch (DllNotFoundException e) { return $"cannot load {path}: {e.Message}"; }
            return $"cannot load {path}";
        }
        if (!NativeLibrary.TryGetExport(handle, "C_GetFunctionList", out IntPtr getFunctionList))
            return $"{path} does not export C_GetFunctionList";
        CK_FUNCTION_LIST* list = null;
        CK_RV rv = ((delegate* unmanaged[Cdecl]<CK_FUNCTION_LIST**, CK_RV>)getFunctionList)(&list);
        if (rv != CKR_OK || list == null)
            return $"C_GetFunctionList returned {RvName(rv)}";
        F = list;
        return null;
    }

    /// <summary>The codes by which a module says it does not offer what an op needs (p11bench's list): the op is
    /// reported "unsupported", not failed. The tool reads these codes from other modules; it never returns them.</summary>
    public static bool IsUnsupported(CK_RV rv) =>
        rv == (CK_RV)CKR.CKR_MECHANISM_INVALID || rv == (CK_RV)CKR.CKR_MECHANISM_PARAM_INVALID ||
        rv == (CK_RV)CKR.CKR_FUNCTION_NOT_SUPPORTED || rv == (CK_RV)CKR.CKR_CURVE_NOT_SUPPORTED ||
        rv == (CK_RV)CKR.CKR_DOMAIN_PARAMS_INVALID || rv == (CK_RV)CKR.CKR_KEY_SIZE_RANGE;

    public static OpStatus StatusOf(CK_RV rv) => IsUnsupported(rv) ? OpStatus.Unsupported : OpStatus.Failed;

    /// <summary>The spec name of a return value (CKR_…), as p11bench prints it.</summary>
    public static string RvName(CK_RV rv)
    {
        if (rv == CheckFailed)
            return "result check failed";
        ulong v = rv;
        if (v <= uint.MaxValue && Enum.IsDefined(typeof(CKR), (uint)v))
            return ((CKR)(uint)v).ToString();
        if ((v & 0x80000000u) != 0)
            return $"CKR_VENDOR_DEFINED+0x{v & ~0x80000000ul:X}";
        return $"CKR_0x{v:X8}";
    }

    public static string MechName(CKM m) => Enum.IsDefined(m) ? m.ToString() : $"CKM_0x{(uint)m:X8}";

    /// <summary>A blank-padded, fixed-size PKCS#11 string as a .NET string.</summary>
    public static string PaddedString(byte* p, int length)
    {
        int n = length;
        while (n > 0 && (p[n - 1] == (byte)' ' || p[n - 1] == 0))
            n--;
        return Encoding.UTF8.GetString(p, n);
    }
}

internal enum OpStatus { Ok, Unsupported, Failed, Skipped }

internal static class OpStatusNames
{
    public static string Name(this OpStatus s) => s switch
    {
        OpStatus.Ok => "ok",
        OpStatus.Unsupported => "unsupported",
        OpStatus.Failed => "failed",
        _ => "skipped",
    };
}
