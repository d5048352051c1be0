using System.Text;
using CloudHsm.Fuzz.Harness;
using CloudHsm.Fuzz.Targets;
using SharpFuzz;

namespace CloudHsm.Fuzz;

/// <summary>
/// The fuzz driver (see README.md):
/// <list type="bullet">
/// <item><c>list</c> — the targets;</item>
/// <item><c>run TARGET</c> — under afl-fuzz: SharpFuzz's fork server runs the target on each input; a bug
/// (any exception that is not the target's documented refusal) is reported to AFL as a crash;</item>
/// <item><c>replay TARGET PATH…</c> — without AFL: runs every file (or every file in each folder) once and
/// prints "ok NAME" or "FAIL NAME", the exception and the input in hex; exit code 1 if any failed;</item>
/// <item><c>seeds TARGET|all DIR</c> — writes the seed corpus of a target (or of all, in DIR/TARGET/);</item>
/// <item><c>instrument DLL…</c> — SharpFuzz's in-place AFL instrumentation of the CloudHsm types in each assembly.</item>
/// </list>
/// </summary>
internal static class Program
{
    private static readonly FuzzTarget[] Targets =
    [
        new UnwrapTarget(), new KeyImportTarget(), new CreateObjectTarget(), new StorageRecordTarget(),
        new ConfigTarget(), new MechanismParameterTarget(), new TemplateTarget(),
    ];

    private static int Main(string[] args)
    {
        try
        {
            return args switch
            {
                ["list"] => List(),
                ["run", var name] => Run(Find(name)),
                ["replay", var name, .. var paths] when paths.Length > 0 => Replay(Find(name), paths),
                ["seeds", var name, var directory] => Seeds(name, directory),
                ["instrument", .. var assemblies] when assemblies.Length > 0 => Instrument(assemblies),
                _ => Usage(),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"CloudHsm.Fuzz: {e.Message}");
            return 2;
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: CloudHsm.Fuzz list | run TARGET | replay TARGET PATH... | seeds TARGET|all DIR | instrument DLL...");
        return 2;
    }

    private static FuzzTarget Find(string name) =>
        Array.Find(Targets, t => t.Name == name)
        ?? throw new UsageException($"no target '{name}' (known: {string.Join(", ", Targets.Select(t => t.Name))})");

    private static int List()
    {
        foreach (var target in Targets)
            Console.WriteLine($"{target.Name,-16} {target.Description}");
        return 0;
    }

    /// <summary>The AFL loop. A bug escapes as its own exception; SharpFuzz reports it as a crash.</summary>
    private static int Run(FuzzTarget target)
    {
        Fuzzer.Run(stream =>
        {
            var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bug = target.Classify(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)).Bug;
            if (bug is not null)
                throw new FuzzBugException(target.Name, bug);
        });
        return 0;
    }

    private static int Replay(FuzzTarget target, string[] paths)
    {
        int failed = 0, total = 0;
        foreach (var file in paths.SelectMany(Files))
        {
            total++;
            byte[] input = File.ReadAllBytes(file);
            var (bug, refusal) = target.Classify(input);
            if (bug is null)
            {
                Console.WriteLine($"ok   {target.Name} {file}{(refusal is null ? "" : $" (refused: {Describe(refusal)})")}");
                continue;
            }
            failed++;
            Console.WriteLine($"FAIL {target.Name} {file}");
            Console.WriteLine($"     {bug.GetType().FullName}: {bug.Message}");
            foreach (var line in (bug.StackTrace ?? "").Split('\n').Take(12))
                Console.WriteLine($"     {line.TrimEnd()}");
            Console.WriteLine($"     input ({input.Length} bytes): {Convert.ToHexString(input)}");
        }
        Console.WriteLine($"{target.Name}: {total - failed} of {total} inputs handled");
        return failed == 0 ? 0 : 1;
    }

    private static string Describe(Exception refusal) =>
        refusal is Core.Errors.CkrException ckr ? ckr.Message : $"{refusal.GetType().Name}: {refusal.Message}";

    private static IEnumerable<string> Files(string path) =>
        Directory.Exists(path)
            ? Directory.EnumerateFiles(path).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal)
            : File.Exists(path) ? [path] : throw new UsageException($"no file or folder '{path}'");

    private static int Seeds(string name, string directory)
    {
        foreach (var target in name == "all" ? Targets : [Find(name)])
        {
            string folder = name == "all" ? Path.Combine(directory, target.Name) : directory;
            Directory.CreateDirectory(folder);
            var seeds = target.Seeds().ToList();
            foreach (var (seed, input) in seeds)
            {
                File.WriteAllBytes(Path.Combine(folder, seed + ".bin"), input);
                // A seed the target cannot handle is a bug in the seed or in the code: say so now.
                if (target.Classify(input).Bug is { } bug)
                    Console.Error.WriteLine($"warning: seed {target.Name}/{seed} fails: {bug.GetType().Name}: {bug.Message}");
            }
            Console.WriteLine($"{target.Name}: {seeds.Count} seeds in {folder}");
        }
        return 0;
    }

    /// <summary>Instruments the CloudHsm types only: the BCL and BouncyCastle are not ours to fix, and
    /// their edges would drown the core's in AFL's map.</summary>
    private static int Instrument(string[] assemblies)
    {
        foreach (var assembly in assemblies)
        {
            var types = Fuzzer.Instrument(assembly, type => type.StartsWith("CloudHsm.", StringComparison.Ordinal), Options.Value);
            Console.WriteLine($"instrumented {types.Count()} types in {assembly}");
        }
        return 0;
    }

    private sealed class UsageException(string message) : Exception(message);
}

/// <summary>A bug found on an input: what escapes to SharpFuzz, which tells AFL the input crashed.</summary>
internal sealed class FuzzBugException(string target, Exception bug)
    : Exception($"{target}: {bug.GetType().FullName}: {bug.Message}", bug);
