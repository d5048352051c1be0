using System.CommandLine;
using System.Globalization;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Cli.Pkcs11;

/// <summary>
/// <c>--slot</c> and <c>--token-label</c>, as pkcs11-tool and softhsm2-util spell them, and the
/// rule that picks a token from them.
/// </summary>
internal sealed class TokenOptions
{
    public Option<string?> Slot { get; } = new("--slot")
    {
        Description = "Slot ID (decimal, or hexadecimal with 0x)",
        HelpName = "ID",
    };

    public Option<string?> TokenLabel { get; } = new("--token-label")
    {
        Description = "Label of the token",
        HelpName = "LABEL",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Slot);
        command.Options.Add(TokenLabel);
    }

    /// <summary>
    /// The slot named by <c>--slot</c> or <c>--token-label</c>; with neither, the only
    /// initialised token. Anything ambiguous is a usage error.
    /// </summary>
    public ISlot SelectInitialisedToken(Module module, ParseResult parse)
    {
        if (SelectExplicit(module, parse) is { } chosen)
            return chosen;
        List<(ISlot Slot, ITokenInfo Info)> initialised = Tokens(module)
            .Where(t => t.Info.TokenFlags.TokenInitialized).ToList();
        return initialised.Count switch
        {
            1 => initialised[0].Slot,
            0 => throw new UsageException("no initialised token (create one with 'cloudhsm-cli token init')"),
            _ => throw new UsageException(
                $"{initialised.Count} initialised tokens: choose one with --slot or --token-label"),
        };
    }

    /// <summary>
    /// The slot named by <c>--slot</c> or <c>--token-label</c>; with neither, the first slot
    /// whose token is not initialised (softhsm2-util's <c>--free</c>).
    /// </summary>
    public ISlot SelectForInit(Module module, ParseResult parse)
    {
        if (SelectExplicit(module, parse) is { } chosen)
            return chosen;
        (ISlot Slot, ITokenInfo Info) free = Tokens(module).FirstOrDefault(t => !t.Info.TokenFlags.TokenInitialized);
        return free.Slot ?? throw new UsageException(
            "no slot with an uninitialised token: name a token to re-initialise with --slot or --token-label");
    }

    private ISlot? SelectExplicit(Module module, ParseResult parse)
    {
        string? slotText = parse.GetValue(Slot);
        string? label = parse.GetValue(TokenLabel);
        if (slotText is not null && label is not null)
            throw new UsageException("give --slot or --token-label, not both");
        if (slotText is not null)
        {
            ulong id = ParseSlotId(slotText);
            return module.AllSlots().FirstOrDefault(s => s.SlotId == id)
                ?? throw new UsageException($"no slot with ID {slotText}");
        }
        if (label is not null)
        {
            List<ISlot> matching = Tokens(module).Where(t => Names.Text(t.Info.Label) == label)
                .Select(t => t.Slot).ToList();
            return matching.Count switch
            {
                1 => matching[0],
                0 => throw new UsageException($"no token labelled '{label}'"),
                _ => throw new UsageException($"{matching.Count} tokens are labelled '{label}': choose one with --slot"),
            };
        }
        return null;
    }

    private static IEnumerable<(ISlot Slot, ITokenInfo Info)> Tokens(Module module) =>
        module.SlotsWithToken().Select(s => (s, s.GetTokenInfo()));

    /// <summary>Decimal, or hexadecimal with a 0x prefix (pkcs11-tool's convention).</summary>
    public static ulong ParseSlotId(string text)
    {
        bool ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong id)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id);
        return ok ? id : throw new UsageException($"--slot: '{text}' is not a slot ID (decimal, or hexadecimal with 0x)");
    }
}
