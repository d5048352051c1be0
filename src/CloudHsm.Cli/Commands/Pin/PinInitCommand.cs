using System.CommandLine;
using CloudHsm.Cli.Pins;
using CloudHsm.Cli.Pkcs11;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Cli.Commands.Pin;

/// <summary><c>pin init</c>: the SO logs in and sets the user PIN (C_Login(CKU_SO) + C_InitPIN).</summary>
internal sealed class PinInitCommand : CliCommand
{
    private readonly TokenOptions _token = new();

    private readonly Option<FileInfo?> _soPinFile = new("--so-pin-file")
    {
        Description = "File whose first line is the SO PIN",
        HelpName = "FILE",
    };

    private readonly Option<FileInfo?> _pinFile = new("--pin-file")
    {
        Description = "File whose first line is the new user PIN",
        HelpName = "FILE",
    };

    public PinInitCommand(CliContext context)
        : base("init", "Set the user PIN as the SO (C_InitPIN). Reads the SO PIN, then the new user PIN. " +
                       PinReader.HelpText, context)
    {
        Options.Add(_soPinFile);
        Options.Add(_pinFile);
        _token.AddTo(this);
    }

    protected override void Execute(ParseResult parse)
    {
        using Module module = Context.OpenModule(parse);
        ISlot slot = _token.SelectInitialisedToken(module, parse);
        using PinValue soPin = Context.Pins.Read("SO PIN", parse.GetValue(_soPinFile));
        using PinValue userPin = Context.Pins.Read("new user PIN", parse.GetValue(_pinFile), confirm: true);

        using ISession session = slot.OpenSession(SessionType.ReadWrite);
        session.Login(CKU.CKU_SO, soPin.Bytes);
        try
        {
            session.InitPin(userPin.Bytes);
        }
        finally
        {
            session.Logout();
        }
        Out.WriteLine($"User PIN of token '{Names.Text(slot.GetTokenInfo().Label)}' initialised.");
    }
}
