using System.CommandLine;
using CloudHsm.Cli.Pins;
using CloudHsm.Cli.Pkcs11;
using Net.Pkcs11Interop.Common;

namespace CloudHsm.Cli.Commands;

/// <summary>What every command shares: the console, the PIN reader and the global --module option.</summary>
internal sealed class CliContext(CliConsole console, Option<string?> moduleOption)
{
    public CliConsole Console { get; } = console;
    public PinReader Pins { get; } = new(console);

    public Module OpenModule(ParseResult parse) => Module.Load(parse.GetValue(moduleOption));
}

/// <summary>
/// Base of every verb: runs <see cref="Execute"/> and maps what it throws onto the exit codes,
/// in this one place.
/// </summary>
internal abstract class CliCommand : Command
{
    protected CliCommand(string name, string description, CliContext context)
        : base(name, description)
    {
        Context = context;
        SetAction(Invoke);
    }

    protected CliContext Context { get; }
    protected TextWriter Out => Context.Console.Out;

    protected abstract void Execute(ParseResult parse);

    private int Invoke(ParseResult parse)
    {
        TextWriter error = Context.Console.Error;
        try
        {
            Execute(parse);
            return ExitCodes.Ok;
        }
        catch (UsageException e)
        {
            error.WriteLine($"cloudhsm-cli: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Pkcs11Exception e)
        {
            error.WriteLine($"cloudhsm-cli: {e.Method} failed: {Names.Ckr(e.RV)}");
            return ExitCodes.Pkcs11Error;
        }
        catch (ModuleLoadException e)
        {
            error.WriteLine($"cloudhsm-cli: {e.Message}");
            return ExitCodes.Pkcs11Error;
        }
    }
}
