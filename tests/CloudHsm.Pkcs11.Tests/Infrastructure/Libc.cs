using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Tests.Infrastructure;

/// <summary>
/// The process environment as native code sees it. On Unix, .NET's Environment.SetEnvironmentVariable
/// changes only the runtime's managed copy; a native library (the NativeAOT module included: it has
/// its own runtime and reads the real environment with getenv) never sees that. So the test setup
/// writes variables with libc's setenv before the module is loaded and initialised.
/// </summary>
internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int NativeSetenv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int NativeUnsetenv(string name);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr NativeGetenv(string name);

    /// <summary>Sets the variable in the native environment and in .NET's copy (child processes get the latter).</summary>
    public static void SetEnvironmentVariable(string name, string value)
    {
        if (NativeSetenv(name, value, 1) != 0)
            throw new InvalidOperationException($"setenv({name}) failed: errno {Marshal.GetLastPInvokeError()}");
        Environment.SetEnvironmentVariable(name, value);
    }

    /// <summary>Removes the variable from the native environment and from .NET's copy.</summary>
    public static void UnsetEnvironmentVariable(string name)
    {
        if (NativeUnsetenv(name) != 0)
            throw new InvalidOperationException($"unsetenv({name}) failed: errno {Marshal.GetLastPInvokeError()}");
        Environment.SetEnvironmentVariable(name, null);
    }

    /// <summary>The value native code gets from getenv, or null.</summary>
    public static string? GetNativeEnvironmentVariable(string name)
    {
        IntPtr p = NativeGetenv(name);
        return p == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(p);
    }
}
