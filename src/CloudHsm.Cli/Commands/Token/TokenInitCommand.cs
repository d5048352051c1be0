using System.CommandLine;
using System.Text;
using CloudHsm.Cli.Pins;
using CloudHsm.Cli.Pkcs11;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Cli.Commands.Token;

/// <summary>
/// <c>token init</c>: C_InitToken on the slot with the uninitialised token (or the one named),
/// setting the label and the SO PIN.
/// </summary>
internal sealed class TokenInitCommand : CliCommand
{
    private readonly TokenOptions _token = new();

    private readonly Option<string> _label = new("--label")
    {
        Description = "Label of the new token (at most 32 bytes of UTF-8)",
        HelpName = "LABEL",
        Required = true,
    };

    private readonly Option<FileInfo?> _soPinFile = new("--so-pin-file")
    {
        Description = "File whose first line is the new SO PIN (re-initialising: the current SO PIN)",
        HelpName = "FILE",
    };

    public TokenInitCommand(CliContext context)
        : base("init", "Initialise a token: set its label and SO PIN (C_InitToken). " +
                       "Without --slot or --token-label, uses the slot whose token is not initialised. " +
                       PinReader.HelpText, context)
    {
        Options.Add(_label);
        Options.Add(_soPinFile);
        _token.AddTo(this);
    }

    protected override void Execute(ParseResult parse)
    {
        string label = parse.GetRequiredValue(_label);
        byte[] labelBytes = Encoding.UTF8.GetBytes(label);
        if (labelBytes.Length is 0 or > 32)
            throw new UsageException("--label: a token label is 1 to 32 bytes of UTF-8");

        using Module module = Context.OpenModule(parse);
        ISlot slot = _token.SelectForInit(module, parse);
        using (PinValue soPin = Context.Pins.Read("SO PIN", parse.GetValue(_soPinFile), confirm: true))
            slot.InitToken(soPin.Bytes, labelBytes);

        // Not "in slot N": a module may give the token a new slot ID once re-loaded (SoftHSM does).
        Out.WriteLine($"Token '{label}' initialised; select it with --token-label {label}.");
    }
}
