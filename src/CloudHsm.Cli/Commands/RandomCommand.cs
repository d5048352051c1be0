using System.CommandLine;
using CloudHsm.Cli.Pkcs11;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Cli.Commands;

/// <summary><c>random --bytes N</c>: C_GenerateRandom, printed as lowercase hex.</summary>
internal sealed class RandomCommand : CliCommand
{
    private const int MaxBytes = 1 << 20;

    private readonly TokenOptions _token = new();

    private readonly Option<int> _bytes = new("--bytes")
    {
        Description = $"How many random bytes (1..{MaxBytes})",
        HelpName = "N",
        Required = true,
    };

    public RandomCommand(CliContext context)
        : base("random", "Print random bytes from the token's generator, in hex", context)
    {
        Options.Add(_bytes);
        _token.AddTo(this);
    }

    protected override void Execute(ParseResult parse)
    {
        int count = parse.GetValue(_bytes);
        if (count is < 1 or > MaxBytes)
            throw new UsageException($"--bytes: give a number from 1 to {MaxBytes}");
        using Module module = Context.OpenModule(parse);
        ISlot slot = _token.SelectInitialisedToken(module, parse);
        using ISession session = slot.OpenSession(SessionType.ReadOnly);
        Out.WriteLine(Convert.ToHexStringLower(session.GenerateRandom(count)));
    }
}
