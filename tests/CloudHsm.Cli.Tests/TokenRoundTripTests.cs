using System.Diagnostics;

namespace CloudHsm.Cli.Tests;

/// <summary>
/// The built CLI as a child process (so each module reads its own config from a fresh
/// environment), driving a whole token life cycle. SoftHSM2 is the cross-check that the CLI is
/// right; the same steps against libcloudhsm_pkcs11.so check the library.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[NonParallelizable]
public class TokenRoundTripTests
{
    private const string SoftHsm = "/usr/lib/softhsm/libsofthsm2.so";
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("cli-roundtrip-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    public static IEnumerable<TestCaseData> Modules()
    {
        yield return new TestCaseData("softhsm2").SetName("SoftHSM2");
        yield return new TestCaseData("cloudhsm").SetName("libcloudhsm_pkcs11");
    }

    [TestCaseSource(nameof(Modules))]
    public void TokenLifeCycle(string which)
    {
        var (module, env) = which == "softhsm2" ? SoftHsmSetup() : CloudHsmSetup();
        string soPin = WritePin("so.pin", "so-pin-1234");
        string userPin = WritePin("user.pin", "user-pin-1234");
        string[] m = ["--module", module];

        var list = Cli(env, null, ["token", "list", .. m]);
        Assert.That(list.Output, Does.Contain("uninitialised"), list.ToString());

        Cli(env, null, ["token", "init", "--label", "cli-test", "--so-pin-file", soPin, .. m]);
        // SO PIN from its file, the new user PIN piped on stdin.
        Cli(env, "user-pin-1234\n", ["pin", "init", "--token-label", "cli-test", "--so-pin-file", soPin, .. m]);

        var info = Cli(env, null, ["token", "info", "--token-label", "cli-test", .. m]);
        Assert.That(info.Output, Does.Contain("cli-test").And.Contain("user PIN initialised"), info.ToString());

        var random = Cli(env, null, ["random", "--bytes", "32", "--token-label", "cli-test", .. m]);
        Assert.That(random.Output.Trim(), Does.Match("^[0-9a-f]{64}$"), random.ToString());

        var mechs = Cli(env, null, ["mech", "list", "--token-label", "cli-test", .. m]);
        Assert.That(mechs.Output, Does.Contain("CKM_"), mechs.ToString());

        var objects = Cli(env, null, ["object", "list", "--login", "--pin-file", userPin, "--token-label", "cli-test", .. m]);
        Assert.That(objects.Output, Does.Contain("object(s)"), objects.ToString());

        Cli(env, "user-pin-1234\nuser-pin-5678\n", ["pin", "set", "--token-label", "cli-test", .. m]);

        var oldPin = Cli(env, "user-pin-1234\n", ["object", "list", "--login", "--token-label", "cli-test", .. m], expectedExit: 1);
        Assert.That(oldPin.Error, Does.Contain("CKR_PIN_INCORRECT"), oldPin.ToString());
        Cli(env, "user-pin-5678\n", ["object", "list", "--login", "--token-label", "cli-test", .. m]);
    }

    private (string Module, Dictionary<string, string> Env) SoftHsmSetup()
    {
        if (!File.Exists(SoftHsm))
            Assert.Ignore($"SoftHSM2 is not installed ({SoftHsm}); .ci/run installs it");
        string tokens = Directory.CreateDirectory(Path.Combine(_dir, "tokens")).FullName;
        string conf = Path.Combine(_dir, "softhsm2.conf");
        File.WriteAllText(conf, $"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n");
        return (SoftHsm, new() { ["SOFTHSM2_CONF"] = conf });
    }

    private (string Module, Dictionary<string, string> Env) CloudHsmSetup()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("CLOUDHSM_PKCS11_LIB");
        string module = fromEnv ?? Path.Combine(RepoRoot(), "artifacts", "linux-x64", "libcloudhsm_pkcs11.so");
        if (!File.Exists(module))
        {
            if (fromEnv is not null)
                Assert.Fail($"CLOUDHSM_PKCS11_LIB names a missing file: {module}");
            Assert.Ignore($"{module} is not built (./build.sh publishes it)");
        }
        string tokens = Directory.CreateDirectory(Path.Combine(_dir, "tokens")).FullName;
        string conf = Path.Combine(_dir, "pkcs11.json");
        // pinKdfIterations 1000: a test token, not worth the default 600,000 PBKDF2 rounds per login.
        File.WriteAllText(conf, $$"""{ "tokenDirectory": "{{tokens}}", "pinKdfIterations": 1000 }""");
        return (Path.GetFullPath(module), new() { ["CLOUDHSM_PKCS11_CONF"] = conf });
    }

    private string WritePin(string name, string pin)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, pin + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CloudHsmPkcs11.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("CloudHsmPkcs11.sln not found above the test directory");
    }

    private sealed record Result(string[] Args, int Exit, string Output, string Error)
    {
        public override string ToString() =>
            $"cloudhsm-cli {string.Join(' ', Args)} → exit {Exit}\n--- stdout\n{Output}--- stderr\n{Error}";
    }

    private static Result Cli(Dictionary<string, string> env, string? stdin, string[] args, int expectedExit = 0)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(TestContext.CurrentContext.TestDirectory, "cloudhsm-cli.dll"));
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (name, value) in env)
            start.Environment[name] = value;

        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
            process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"cloudhsm-cli {string.Join(' ', args)} did not finish in 120 s");
        }
        var result = new Result(args, process.ExitCode, output.Result, error.Result);
        Assert.That(result.Exit, Is.EqualTo(expectedExit), result.ToString());
        return result;
    }
}
