using System.CommandLine;
using CloudHsm.Cli.Pkcs11;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Cli.Commands.Token;

/// <summary><c>token list</c>: the module, then one line per slot.</summary>
internal sealed class TokenListCommand : CliCommand
{
    public TokenListCommand(CliContext context)
        : base("list", "List the slots and the tokens in them", context)
    {
    }

    protected override void Execute(ParseResult parse)
    {
        using Module module = Context.OpenModule(parse);
        ILibraryInfo info = module.Library.GetInfo();
        Out.WriteLine($"Module:   {module.Path}");
        Out.WriteLine($"Library:  {Names.Text(info.LibraryDescription)} {info.LibraryVersion} " +
                      $"({Names.Text(info.ManufacturerId)}, Cryptoki {info.CryptokiVersion})");
        Out.WriteLine();
        Out.WriteLine($"{"Slot",-20} {"Token label",-32} {"Serial",-16} State");
        foreach (ISlot slot in module.AllSlots())
        {
            ISlotInfo slotInfo = slot.GetSlotInfo();
            if (!slotInfo.SlotFlags.TokenPresent)
            {
                Out.WriteLine($"{slot.SlotId,-20} {"",-32} {"",-16} no token");
                continue;
            }
            ITokenInfo token = slot.GetTokenInfo();
            Out.WriteLine($"{slot.SlotId,-20} {Names.Text(token.Label),-32} " +
                          $"{Names.Text(token.SerialNumber),-16} {State(token.TokenFlags)}");
        }
    }

    private static string State(ITokenFlags flags)
    {
        if (!flags.TokenInitialized)
            return "uninitialised";
        if (flags.UserPinLocked)
            return "initialised, user PIN locked";
        return flags.UserPinInitialized ? "initialised" : "initialised, no user PIN";
    }
}
