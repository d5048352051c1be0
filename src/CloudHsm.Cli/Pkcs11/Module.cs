using System.Reflection;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Cli.Pkcs11;

/// <summary>A loaded and initialised PKCS#11 module (C_Initialize on load, C_Finalize on dispose).</summary>
internal sealed class Module : IDisposable
{
    private Module(string path, Pkcs11InteropFactories factories, IPkcs11Library library)
    {
        Path = path;
        Factories = factories;
        Library = library;
    }

    public string Path { get; }
    public Pkcs11InteropFactories Factories { get; }
    public IPkcs11Library Library { get; }

    /// <summary>
    /// The module beside the CLI executable, named as NativeAOT names the library's publish output
    /// (after its assembly, libcloudhsm_pkcs11). Resolving next to the executable is right for the
    /// CLI; the library itself never looks for files beside itself.
    /// </summary>
    public static string DefaultPath => System.IO.Path.Combine(AppContext.BaseDirectory,
        "libcloudhsm_pkcs11" + (OperatingSystem.IsWindows() ? ".dll" : OperatingSystem.IsMacOS() ? ".dylib" : ".so"));

    static Module()
    {
        // Pkcs11Interop imports dlopen/dlsym from "libdl". glibc 2.34+ (Debian 12) ships only
        // libdl.so.2 (the unversioned name came with libc6-dev and is gone), so map the name,
        // as Pkcs11Interop's maintainer recommends (Pkcs11Interop issue #239).
        NativeLibrary.SetDllImportResolver(typeof(IPkcs11Library).Assembly, ResolveLibdl);
    }

    private static IntPtr ResolveLibdl(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name == "libdl" && OperatingSystem.IsLinux() &&
            NativeLibrary.TryLoad("libdl.so.2", assembly, searchPath, out IntPtr handle))
        {
            return handle;
        }
        return IntPtr.Zero; // the runtime's default probing
    }

    public static Module Load(string? path)
    {
        string resolved = System.IO.Path.GetFullPath(path ?? DefaultPath);
        if (!File.Exists(resolved))
        {
            throw new ModuleLoadException(
                $"PKCS#11 module not found: {resolved}" +
                (path is null ? " (build it with ./build.sh, or name another with --module)" : ""));
        }
        var factories = new Pkcs11InteropFactories();
        try
        {
            IPkcs11Library library = factories.Pkcs11LibraryFactory.LoadPkcs11Library(
                factories, resolved, AppType.MultiThreaded);
            return new Module(resolved, factories, library);
        }
        catch (UnmanagedException e)
        {
            throw new ModuleLoadException($"cannot load PKCS#11 module {resolved}: {e.Message}");
        }
    }

    /// <summary>All slots, with or without a token.</summary>
    public List<ISlot> AllSlots() => Library.GetSlotList(SlotsType.WithOrWithoutTokenPresent);

    /// <summary>Slots that hold a token (initialised or not).</summary>
    public List<ISlot> SlotsWithToken() => Library.GetSlotList(SlotsType.WithTokenPresent);

    public void Dispose() => Library.Dispose();
}

/// <summary>The module file is missing or the dynamic loader refused it.</summary>
internal sealed class ModuleLoadException(string message) : Exception(message);
