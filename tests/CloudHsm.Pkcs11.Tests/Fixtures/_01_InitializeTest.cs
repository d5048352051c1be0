using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_Initialize, C_GetFunctionList and the config the module reads at C_Initialize (spec 5.4).</summary>
public sealed class _01_InitializeTest : Pkcs11Fixture
{
    [Test]
    public void C_Initialize_twice_returns_CKR_CRYPTOKI_ALREADY_INITIALIZED()
    {
        Assert.That(Module.Initialize(), Is.EqualTo(CKR.CKR_CRYPTOKI_ALREADY_INITIALIZED), "C_Initialize(CKF_OS_LOCKING_OK) while initialised");
        unsafe
        {
            Assert.That(Module.Raw.C_Initialize(null), Is.EqualTo(CKR.CKR_CRYPTOKI_ALREADY_INITIALIZED), "C_Initialize(NULL) while initialised");
        }
    }

    [Test]
    public void C_GetFunctionList_returns_a_v2_40_list_with_every_entry_set()
    {
        IntPtr list = IntPtr.Zero;
        Assert.That(Module.Low.C_GetFunctionList(out list), Is.EqualTo(CKR.CKR_OK), "C_GetFunctionList");
        Assert.That(list, Is.Not.EqualTo(IntPtr.Zero), "C_GetFunctionList gave a NULL list");
        Assert.That(Module.Raw.FunctionListVersion, Is.EqualTo(((byte)2, (byte)40)), "CK_FUNCTION_LIST.version");
        foreach (string name in RawApi.FunctionNames)
            Assert.That(Module.Raw.Fn(name), Is.Not.EqualTo(IntPtr.Zero), $"CK_FUNCTION_LIST.{name} is NULL: even unsupported functions need a stub");
    }

    [Test]
    public unsafe void C_GetFunctionList_with_NULL_returns_CKR_ARGUMENTS_BAD()
    {
        Assert.That(Module.Raw.C_GetFunctionList(null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_GetFunctionList(NULL)");
    }

    [Test]
    public void Legacy_parallel_functions_return_CKR_FUNCTION_NOT_PARALLEL()
    {
        ulong s = P11.OpenRo();
        Assert.That(Module.Low.C_GetFunctionStatus(s), Is.EqualTo(CKR.CKR_FUNCTION_NOT_PARALLEL), "C_GetFunctionStatus");
        Assert.That(Module.Low.C_CancelFunction(s), Is.EqualTo(CKR.CKR_FUNCTION_NOT_PARALLEL), "C_CancelFunction");
    }

    /// <summary>
    /// Why the set-up uses libc setenv: .NET on Unix keeps its own copy of the environment, so
    /// Environment.SetEnvironmentVariable never reaches native getenv, which is what the module reads.
    /// </summary>
    [Test]
    public void Config_variable_is_set_in_the_native_environment()
    {
        Assert.That(Libc.GetNativeEnvironmentVariable(Settings.ConfigPathVariable), Is.EqualTo(TestEnvironment.ConfigPath),
            "getenv(CLOUDHSM_PKCS11_CONF) as native code sees it");

        const string probe = "CLOUDHSM_PKCS11_TESTS_MANAGED_ONLY";
        Environment.SetEnvironmentVariable(probe, "managed");
        try
        {
            Assert.That(Libc.GetNativeEnvironmentVariable(probe), Is.Null,
                ".NET's SetEnvironmentVariable does not reach native getenv on Unix (if this changes, the setenv detour is merely redundant)");
        }
        finally
        {
            Environment.SetEnvironmentVariable(probe, null);
        }
    }

    [Test]
    public void A_config_with_only_tokenDirectory_is_complete_and_a_fresh_directory_offers_one_uninitialised_slot()
    {
        string dir = Path.Combine(TestEnvironment.WorkDirectory, "fresh-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        string conf = Path.Combine(dir, "minimal.json");
        File.WriteAllText(conf, System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["tokenDirectory"] = Path.Combine(dir, "tokens") }));
        Directory.CreateDirectory(Path.Combine(dir, "tokens"));

        var r = NativeHelpers.RunHelper("probe", ["slots"], TimeSpan.FromMinutes(2), Env(conf));
        Assert.That(r.ExitCode, Is.Zero, "probe slots with {\"tokenDirectory\": ...} alone:\n" + r);
        string[] slots = r.StdOut.Split('\n').Where(l => l.StartsWith("slot ", StringComparison.Ordinal)).ToArray();
        Assert.That(slots, Has.Length.EqualTo(1), "a fresh token directory has just the uninitialised slot:\n" + r.StdOut);
        ulong flags = Convert.ToUInt64(slots[0].Split(' ')[3], 16);
        Assert.That(Ck.Has(flags, CKF.CKF_TOKEN_INITIALIZED), Is.False, "the one slot's token is not initialised: " + slots[0]);
    }

    [Test]
    public void An_unknown_config_key_makes_C_Initialize_fail()
    {
        string conf = TestEnvironment.WriteConfig(TestEnvironment.WorkDirectory, TestEnvironment.TokenDirectory,
            new Dictionary<string, object> { ["noSuchSetting"] = true });
        var r = NativeHelpers.RunHelper("probe", ["init"], TimeSpan.FromMinutes(2), Env(conf));
        Assert.That(r.StdOut, Does.StartWith("C_Initialize "), "probe init output:\n" + r);
        Assert.That(r.StdOut, Does.Not.Contain("CKR_OK"), "C_Initialize with an unknown config key must fail:\n" + r);
        Assert.That(r.ExitCode, Is.EqualTo(1), r.ToString());
    }

    [Test]
    public void C_Initialize_in_another_process_with_the_test_config_succeeds()
    {
        var r = NativeHelpers.RunHelper("probe", ["init"], TimeSpan.FromMinutes(2));
        Assert.That(r.ExitCode, Is.Zero, "C_Initialize in a second process sharing the token directory:\n" + r);
        Assert.That(r.StdOut, Does.Contain("C_Initialize CKR_OK"));
    }

    private static Dictionary<string, string> Env(string conf) =>
        new(TestEnvironment.ModuleEnvironment) { [Settings.ConfigPathVariable] = conf };
}
