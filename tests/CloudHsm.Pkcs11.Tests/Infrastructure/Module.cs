using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using LowLevel = Net.Pkcs11Interop.LowLevelAPI80;

namespace CloudHsm.Pkcs11.Tests.Infrastructure;

/// <summary>
/// The one module instance of this test process, seen three ways: Pkcs11Interop's high-level API
/// (which called C_Initialize with CKF_OS_LOCKING_OK), its LowLevelAPI80 (exact return codes) and raw
/// function pointers (NULL arguments). All three share one dlopen'ed image, so one library state.
/// Set up by <see cref="TestEnvironment"/>.
/// </summary>
public static class Module
{
    private static IPkcs11Library? _library;
    private static LowLevel.Pkcs11Library? _low;
    private static RawApi? _raw;
    private static ulong? _mainSlot;

    public static IPkcs11Library Library => _library ?? throw new InvalidOperationException("module not loaded");
    public static LowLevel.Pkcs11Library Low => _low ?? throw new InvalidOperationException("module not loaded");
    internal static RawApi Raw => _raw ?? throw new InvalidOperationException("module not loaded");

    /// <summary>The token <see cref="TestEnvironment"/> initialised with <see cref="Settings.TokenLabel"/>.</summary>
    public static ulong MainSlot => _mainSlot ??= Tokens.FindSlotByLabel(Settings.TokenLabel)
        ?? throw new InvalidOperationException($"no token labelled '{Settings.TokenLabel}'");

    internal static void Load(string path)
    {
        ResolveLibdl();
        _library = Settings.Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Settings.Factories, path, Settings.ApplicationType);
        _low = new LowLevel.Pkcs11Library(path);
        _raw = new RawApi(path);
    }

    internal static void Unload()
    {
        _library?.Dispose();   // C_Finalize
        _low?.Dispose();
        _library = null;
        _low = null;
        _raw = null;
    }

    /// <summary>
    /// Pkcs11Interop 5.3.0 P/Invokes dlopen/dlsym from "libdl". Since glibc 2.34 (Debian 12) those live in
    /// libc and only libdl.so.2 is installed (the unversioned libdl.so comes with dev packages, if at all),
    /// so point Pkcs11Interop's "libdl" at libdl.so.2 (or libc.so.6).
    /// </summary>
    private static void ResolveLibdl()
    {
        if (_resolverSet) return;
        _resolverSet = true;
        System.Runtime.InteropServices.NativeLibrary.SetDllImportResolver(typeof(CKR).Assembly, (name, assembly, searchPath) =>
        {
            if (name != "libdl") return IntPtr.Zero;
            foreach (string candidate in LibdlCandidates)
                if (System.Runtime.InteropServices.NativeLibrary.TryLoad(candidate, out IntPtr handle)) return handle;
            return IntPtr.Zero;
        });
    }

    private static bool _resolverSet;
    private static readonly string[] LibdlCandidates = ["libdl.so.2", "libc.so.6", "libdl.so"];

    /// <summary>Slot IDs may change across C_Finalize/C_Initialize; forget the cached one.</summary>
    public static void ForgetSlots() => _mainSlot = null;

    /// <summary>C_Initialize as a multi-threaded application (CKF_OS_LOCKING_OK).</summary>
    public static CKR Initialize() => Low.C_Initialize(new LowLevel.CK_C_INITIALIZE_ARGS { Flags = (ulong)CKF.CKF_OS_LOCKING_OK });

    /// <summary>Makes sure the module is initialised (after a test that finalised it, even one that failed).</summary>
    public static void EnsureInitialized()
    {
        CKR rv = Initialize();
        if (rv != CKR.CKR_OK && rv != CKR.CKR_CRYPTOKI_ALREADY_INITIALIZED)
            throw new InvalidOperationException("C_Initialize returned " + rv);
        if (rv == CKR.CKR_OK) ForgetSlots();
    }
}
