using System.CommandLine;
using CloudHsm.Cli.Pkcs11;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Cli.Commands.Token;

/// <summary><c>token info</c>: CK_TOKEN_INFO of one token, field by field.</summary>
internal sealed class TokenInfoCommand : CliCommand
{
    private readonly TokenOptions _token = new();

    public TokenInfoCommand(CliContext context)
        : base("info", "Show a token's information (C_GetTokenInfo)", context)
    {
        _token.AddTo(this);
    }

    protected override void Execute(ParseResult parse)
    {
        using Module module = Context.OpenModule(parse);
        ISlot slot = _token.SelectInitialisedToken(module, parse);
        ITokenInfo t = slot.GetTokenInfo();
        Field("Slot", $"{slot.SlotId} ({Names.Hex(slot.SlotId)})");
        Field("Label", Names.Text(t.Label));
        Field("Manufacturer", Names.Text(t.ManufacturerId));
        Field("Model", Names.Text(t.Model));
        Field("Serial number", Names.Text(t.SerialNumber));
        Field("Flags", Names.TokenFlagList(t.TokenFlags.Flags));
        Field("Sessions", $"{Names.Number(t.SessionCount)} open, at most {Names.Limit(t.MaxSessionCount)}");
        Field("R/W sessions", $"{Names.Number(t.RwSessionCount)} open, at most {Names.Limit(t.MaxRwSessionCount)}");
        Field("PIN length", $"{t.MinPinLen}..{t.MaxPinLen}");
        Field("Public memory", $"{Names.Number(t.FreePublicMemory)} free of {Names.Number(t.TotalPublicMemory)}");
        Field("Private memory", $"{Names.Number(t.FreePrivateMemory)} free of {Names.Number(t.TotalPrivateMemory)}");
        Field("Hardware version", t.HardwareVersion);
        Field("Firmware version", t.FirmwareVersion);
        if (t.TokenFlags.ClockOnToken)
            Field("UTC time", Names.Text(t.UtcTimeString));
    }

    private void Field(string name, string? value) => Out.WriteLine($"{name + ":",-18}{value}");
}
