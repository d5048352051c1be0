using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// What the suite runs against and with which credentials (in the spirit of Pkcs11Interop's Settings.cs).
/// The library is <c>CLOUDHSM_PKCS11_LIB</c> when set, else the build.sh publish output
/// <c>&lt;repo&gt;/artifacts/linux-x64/libcloudhsm_pkcs11.so</c>. Pointing the variable at another
/// module (e.g. /usr/lib/softhsm/libsofthsm2.so) runs the same spec-derived tests against it.
/// </summary>
public static class Settings
{
    public const string LibraryPathVariable = "CLOUDHSM_PKCS11_LIB";
    public const string ConfigPathVariable = "CLOUDHSM_PKCS11_CONF";

    /// <summary>Pkcs11Interop applications that call from several threads ask for OS locking.</summary>
    public const AppType ApplicationType = AppType.MultiThreaded;

    public const string SoPin = "87654321";
    public const string UserPin = "11223344";
    public const string TokenLabel = "CloudHsm Pkcs11 Tests";

    /// <summary>The library's documented minimum PIN length.</summary>
    public const int MinPinLength = 4;

    /// <summary>Written into the test config: small, for speed (the library's default is slow by design).</summary>
    public const int PinKdfIterations = 1000;

    /// <summary>Written into the test config; the library's default. Lockout tests count on it.</summary>
    public const int MaxLoginFailures = 10;

    public static readonly Pkcs11InteropFactories Factories = new();

    private static readonly Lazy<string> LibraryPathLazy = new(ResolveLibraryPath);

    public static string LibraryPath => LibraryPathLazy.Value;

    /// <summary>True when the module under test is SoftHSM2: only used to write it a config file too.</summary>
    public static bool IsSoftHsm => Path.GetFileName(LibraryPath).Contains("softhsm", StringComparison.OrdinalIgnoreCase);

    public static byte[] SoPinBytes => ConvertUtils.Utf8StringToBytes(SoPin);
    public static byte[] UserPinBytes => ConvertUtils.Utf8StringToBytes(UserPin);

    /// <summary>The folder that holds CloudHsmPkcs11.sln, found by walking up from the test assembly.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CloudHsmPkcs11.sln")))
                    return dir.FullName;
            }
            throw new InvalidOperationException("CloudHsmPkcs11.sln not found above " + AppContext.BaseDirectory);
        }
    }

    private static string ResolveLibraryPath()
    {
        string? fromEnv = Environment.GetEnvironmentVariable(LibraryPathVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            // A relative path is taken from the repository root (dotnet test runs in the output folder).
            if (!Path.IsPathRooted(fromEnv) && !File.Exists(fromEnv))
                return Path.Combine(RepositoryRoot, fromEnv);
            return Path.GetFullPath(fromEnv);
        }
        return Path.Combine(RepositoryRoot, "artifacts", "linux-x64", "libcloudhsm_pkcs11.so");
    }
}
