using System.Text.Json;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// Runs once before every fixture of the assembly: a temp token directory and config, the config's
/// path in the native environment (setenv, because the module reads it with getenv in C_Initialize),
/// then the module loaded once for the whole process and the shared token initialised on the
/// uninitialised slot (C_InitToken, then C_InitPIN as SO).
/// </summary>
[SetUpFixture]
public sealed class TestEnvironment
{
    /// <summary>Root of everything this run writes; deleted at the end unless CLOUDHSM_PKCS11_TESTS_KEEP is set.</summary>
    public static string WorkDirectory { get; private set; } = "";

    /// <summary>The token directory of the module under test.</summary>
    public static string TokenDirectory { get; private set; } = "";

    /// <summary>The config file named by CLOUDHSM_PKCS11_CONF.</summary>
    public static string ConfigPath { get; private set; } = "";

    /// <summary>Environment for helper processes that must see the same tokens as this process.</summary>
    public static IReadOnlyDictionary<string, string> ModuleEnvironment => _moduleEnvironment;

    private static readonly Dictionary<string, string> _moduleEnvironment = new();

    [OneTimeSetUp]
    public void SetUp()
    {
        WorkDirectory = Path.Combine(Path.GetTempPath(), "cloudhsm-pkcs11-tests-" + Guid.NewGuid().ToString("N")[..12]);
        TokenDirectory = Path.Combine(WorkDirectory, "tokens");
        Directory.CreateDirectory(TokenDirectory);
        ConfigPath = WriteConfig(WorkDirectory, TokenDirectory);
        SetModuleVariable(Settings.ConfigPathVariable, ConfigPath);

        if (Settings.IsSoftHsm)
        {
            // Only so that the suite can be pointed at SoftHSM2 to check the tests themselves.
            string softDir = Path.Combine(WorkDirectory, "softhsm-tokens");
            Directory.CreateDirectory(softDir);
            string softConf = Path.Combine(WorkDirectory, "softhsm2.conf");
            File.WriteAllText(softConf, $"directories.tokendir = {softDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\nlibrary.reset_on_fork = true\n");
            SetModuleVariable("SOFTHSM2_CONF", softConf);
        }

        Assert.That(File.Exists(Settings.LibraryPath), Is.True,
            $"PKCS#11 library not found at {Settings.LibraryPath}: publish it (build.sh) or set {Settings.LibraryPathVariable}");

        Module.Load(Settings.LibraryPath);
        Tokens.InitToken(Settings.TokenLabel, Settings.SoPin);
        Tokens.InitUserPin(Module.MainSlot, Settings.SoPin, Settings.UserPin);
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        try
        {
            Module.Unload();
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("CLOUDHSM_PKCS11_TESTS_KEEP") is null && Directory.Exists(WorkDirectory))
            {
                try { Directory.Delete(WorkDirectory, recursive: true); }
                catch (IOException) { }
            }
        }
    }

    /// <summary>Writes the module's JSON config: a token directory plus the test's fast KDF and the default lockout.</summary>
    public static string WriteConfig(string folder, string tokenDirectory, IDictionary<string, object>? extra = null)
    {
        var config = new Dictionary<string, object>
        {
            ["tokenDirectory"] = tokenDirectory,
            ["pinKdfIterations"] = Settings.PinKdfIterations,
            ["maxLoginFailures"] = Settings.MaxLoginFailures,
        };
        if (extra is not null)
            foreach (var kv in extra) config[kv.Key] = kv.Value;
        string path = Path.Combine(folder, "cloudhsm-pkcs11-" + Guid.NewGuid().ToString("N")[..8] + ".json");
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return path;
    }

    private static void SetModuleVariable(string name, string value)
    {
        Libc.SetEnvironmentVariable(name, value);
        _moduleEnvironment[name] = value;
    }
}
