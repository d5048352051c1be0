using System.CommandLine;
using CloudHsm.Cli.Pkcs11;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Cli.Commands.Mech;

/// <summary><c>mech list</c>: C_GetMechanismList + C_GetMechanismInfo, one line each, as pkcs11-tool -M.</summary>
internal sealed class MechListCommand : CliCommand
{
    private readonly TokenOptions _token = new();

    public MechListCommand(CliContext context)
        : base("list", "List a token's mechanisms with their key sizes and flags", context)
    {
        _token.AddTo(this);
    }

    protected override void Execute(ParseResult parse)
    {
        using Module module = Context.OpenModule(parse);
        ISlot slot = _token.SelectInitialisedToken(module, parse);
        foreach (CKM mechanism in slot.GetMechanismList())
        {
            IMechanismInfo info = slot.GetMechanismInfo(mechanism);
            string keySize = info.MinKeySize == 0 && info.MaxKeySize == 0
                ? ""
                : $"keySize={{{info.MinKeySize},{info.MaxKeySize}}}, ";
            Out.WriteLine($"{Names.Mechanism(mechanism)}: {keySize}{Names.MechanismFlagList(info.MechanismFlags.Flags)}");
        }
    }
}
