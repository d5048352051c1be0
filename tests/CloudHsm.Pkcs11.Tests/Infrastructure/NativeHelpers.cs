using System.Diagnostics;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Infrastructure;

/// <summary>
/// Compiles the C programs of tests/native with the system's <c>cc</c> at test time (into the run's
/// temp folder, once per process) against Debian's p11-kit pkcs11.h, and runs them against the module.
/// Without a C compiler or the header the calling test is ignored, not failed.
/// </summary>
public static class NativeHelpers
{
    private const string P11KitInclude = "/usr/include/p11-kit-1";
    private static readonly Dictionary<string, string> Built = new();
    private static readonly object Gate = new();

    public sealed record Result(int ExitCode, string StdOut, string StdErr, bool TimedOut)
    {
        public override string ToString() => $"exit {ExitCode}{(TimedOut ? " (timed out)" : "")}\n--- stdout\n{StdOut}--- stderr\n{StdErr}";
    }

    /// <summary>The source folder: the copies next to the test assembly, else the repository's tests/native.</summary>
    public static string SourceDirectory
    {
        get
        {
            string copied = Path.Combine(AppContext.BaseDirectory, "native");
            return File.Exists(Path.Combine(copied, "p11util.h")) ? copied : Path.Combine(Settings.RepositoryRoot, "tests", "native");
        }
    }

    /// <summary>Path of the compiled program <paramref name="name"/> (tests/native/&lt;name&gt;.c).</summary>
    public static string Build(string name)
    {
        lock (Gate)
        {
            if (Built.TryGetValue(name, out string? existing)) return existing;
            string? cc = FindOnPath("cc") ?? FindOnPath("gcc");
            if (cc is null) Assert.Ignore("no C compiler (cc) on PATH: the native helper tests need one");
            if (!File.Exists(Path.Combine(P11KitInclude, "p11-kit", "pkcs11.h")))
                Assert.Ignore($"{P11KitInclude}/p11-kit/pkcs11.h missing (Debian package p11-kit-modules / libp11-kit-dev)");

            string outDir = Path.Combine(TestEnvironment.WorkDirectory, "native");
            Directory.CreateDirectory(outDir);
            string output = Path.Combine(outDir, name);
            string source = Path.Combine(SourceDirectory, name + ".c");
            Result r = Run(cc!, ["-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", "-I" + P11KitInclude, "-I" + SourceDirectory,
                "-o", output, source, "-ldl"], TimeSpan.FromMinutes(2));
            Assert.That(r.ExitCode, Is.Zero, $"cc {name}.c failed:\n{r}");
            Built[name] = output;
            return output;
        }
    }

    /// <summary>Runs a helper against the module under test with the module's environment.</summary>
    public static Result RunHelper(string name, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? env = null)
    {
        string exe = Build(name);
        return Run(exe, [Settings.LibraryPath, .. args], timeout, env ?? TestEnvironment.ModuleEnvironment);
    }

    public static Result Run(string exe, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        if (env is not null)
            foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + exe);
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        bool exited = p.WaitForExit((int)timeout.TotalMilliseconds);
        if (!exited)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit();
        }
        return new Result(exited ? p.ExitCode : -1, stdout.Result, stderr.Result, !exited);
    }

    private static string? FindOnPath(string program)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
