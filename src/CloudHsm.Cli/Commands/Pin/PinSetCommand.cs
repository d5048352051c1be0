using System.CommandLine;
using CloudHsm.Cli.Pins;
using CloudHsm.Cli.Pkcs11;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Cli.Commands.Pin;

/// <summary><c>pin set</c>: the user changes their own PIN (C_SetPIN in a R/W public session).</summary>
internal sealed class PinSetCommand : CliCommand
{
    private readonly TokenOptions _token = new();

    private readonly Option<FileInfo?> _pinFile = new("--pin-file")
    {
        Description = "File whose first line is the current user PIN",
        HelpName = "FILE",
    };

    private readonly Option<FileInfo?> _newPinFile = new("--new-pin-file")
    {
        Description = "File whose first line is the new user PIN",
        HelpName = "FILE",
    };

    public PinSetCommand(CliContext context)
        : base("set", "Change the user PIN (C_SetPIN). Reads the current user PIN, then the new one. " +
                      PinReader.HelpText, context)
    {
        Options.Add(_pinFile);
        Options.Add(_newPinFile);
        _token.AddTo(this);
    }

    protected override void Execute(ParseResult parse)
    {
        using Module module = Context.OpenModule(parse);
        ISlot slot = _token.SelectInitialisedToken(module, parse);
        using PinValue oldPin = Context.Pins.Read("user PIN", parse.GetValue(_pinFile));
        using PinValue newPin = Context.Pins.Read("new user PIN", parse.GetValue(_newPinFile), confirm: true);

        using ISession session = slot.OpenSession(SessionType.ReadWrite);
        session.SetPin(oldPin.Bytes, newPin.Bytes);
        Out.WriteLine($"User PIN of token '{Names.Text(slot.GetTokenInfo().Label)}' changed.");
    }
}
