using System.Runtime.InteropServices;
using System.Text;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Marshalling;

/// <summary>What the module takes from C_Initialize's CK_C_INITIALIZE_ARGS.</summary>
/// <param name="ConfigJson">The configuration text a test passed in pReserved, or null.</param>
internal sealed record InitArgs(string? ConfigJson)
{
    /// <summary>Longer than any sensible configuration.</summary>
    private const int MaxConfigLength = 1 << 20;

    public static readonly InitArgs None = new((string?)null);

    /// <summary>
    /// PKCS#11 §5.4 C_Initialize. NULL args: the application will not call from several threads at once
    /// or lets the library lock as it likes — either way our own locks serve. With args:
    /// <list type="bullet">
    /// <item>the four mutex callbacks are all set or all NULL, else CKR_ARGUMENTS_BAD;</item>
    /// <item>callbacks set, CKF_OS_LOCKING_OK set (spec case 4): the library may use OS locks — ours;</item>
    /// <item>callbacks set without CKF_OS_LOCKING_OK (spec case 3): the spec asks the library to use the
    /// callbacks. We keep our own OS-level locks, which exclude every OS thread the application can
    /// call from; refusing with CKR_CANT_LOCK would turn away callers that lock correctly;</item>
    /// <item>CKF_LIBRARY_CANT_CREATE_OS_THREADS: accepted, the module starts no threads of its own
    /// (DESIGN fact 2 forbids them anyway);</item>
    /// <item>pReserved must be NULL by the spec; we accept a NUL-terminated UTF-8 configuration there, for
    /// tests, as kryoptic does.</item>
    /// </list>
    /// </summary>
    public static unsafe InitArgs Read(void* pInitArgs)
    {
        if (pInitArgs == null)
            return None;
        var args = (CK_C_INITIALIZE_ARGS*)pInitArgs;
        int callbacks = (args->CreateMutex != null ? 1 : 0) + (args->DestroyMutex != null ? 1 : 0)
                      + (args->LockMutex != null ? 1 : 0) + (args->UnlockMutex != null ? 1 : 0);
        if (callbacks is not (0 or 4))
            throw new CkrException(CKR.CKR_ARGUMENTS_BAD, "mutex callbacks must be all set or all NULL");
        return args->pReserved == null ? None : new InitArgs(ReadConfig((byte*)args->pReserved));
    }

    private static unsafe string ReadConfig(byte* p)
    {
        // The runtime's NUL scan never reads past the page that holds the terminator.
        var text = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(p);
        if (text.Length > MaxConfigLength)
            throw new CkrException(CKR.CKR_ARGUMENTS_BAD, "pReserved is too long for a configuration string");
        return Encoding.UTF8.GetString(text);
    }
}
