using System.CommandLine;
using CloudHsm.Cli.Commands;
using CloudHsm.Cli.Pkcs11;

namespace CloudHsm.Cli;

/// <summary>The command tree, and the one place where parse errors become exit code 2.</summary>
internal static class CliApp
{
    public static RootCommand CreateRootCommand(CliConsole console)
    {
        var module = new Option<string?>("--module")
        {
            Description = $"PKCS#11 module to drive (default: {Module.DefaultPath})",
            HelpName = "PATH",
            Recursive = true,
        };
        var context = new CliContext(console, module);

        var root = new RootCommand(
            "cloudhsm-cli: manage the tokens of a PKCS#11 module (by default the CloudHsmPkcs11 library " +
            "beside this program; any other, such as SoftHSM2, with --module).\n" +
            "Exit codes: 0 ok, 1 PKCS#11 error (the CKR name is printed) or module not loadable, 2 usage error.")
        {
            new Command("token", "Slots and tokens")
            {
                new Commands.Token.TokenListCommand(context),
                new Commands.Token.TokenInfoCommand(context),
                new Commands.Token.TokenInitCommand(context),
            },
            new Command("pin", "User PINs")
            {
                new Commands.Pin.PinInitCommand(context),
                new Commands.Pin.PinSetCommand(context),
            },
            new Command("mech", "Mechanisms")
            {
                new Commands.Mech.MechListCommand(context),
            },
            new Command("object", "Objects on a token")
            {
                new Commands.Objects.ObjectListCommand(context),
            },
            new RandomCommand(context),
        };
        root.Options.Add(module);
        return root;
    }

    public static int Run(string[] args, CliConsole console)
    {
        RootCommand root = CreateRootCommand(console);
        ParseResult parse = root.Parse(args);
        var invocation = new InvocationConfiguration { Output = console.Out, Error = console.Error };
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                console.Error.WriteLine($"cloudhsm-cli: {error.Message}");
            console.Error.WriteLine("Try 'cloudhsm-cli --help'.");
            return ExitCodes.Usage;
        }
        return parse.Invoke(invocation);
    }
}
