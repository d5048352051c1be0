using System.CommandLine;
using CloudHsm.Cli.Pins;
using CloudHsm.Cli.Pkcs11;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Cli.Commands.Objects;

/// <summary>
/// <c>object list</c>: class, key type, label and id of each object. Only public attributes are
/// read, never values; with <c>--login</c> the user logs in first, so private objects show too.
/// </summary>
internal sealed class ObjectListCommand : CliCommand
{
    private static readonly List<CKA> Columns = [CKA.CKA_CLASS, CKA.CKA_KEY_TYPE, CKA.CKA_LABEL, CKA.CKA_ID];

    private readonly TokenOptions _token = new();

    private readonly Option<bool> _login = new("--login")
    {
        Description = "Log in as the user first, to list private objects too",
    };

    private readonly Option<FileInfo?> _pinFile = new("--pin-file")
    {
        Description = "With --login: file whose first line is the user PIN",
        HelpName = "FILE",
    };

    private readonly Option<string?> _labelFilter = new("--label")
    {
        Description = "Only objects with this label",
        HelpName = "LABEL",
    };

    private readonly Option<string?> _idFilter = new("--id")
    {
        Description = "Only objects with this CKA_ID (hex)",
        HelpName = "HEX",
    };

    public ObjectListCommand(CliContext context)
        : base("list", "List objects: class, key type, label, id. " + PinReader.HelpText, context)
    {
        Options.Add(_login);
        Options.Add(_pinFile);
        Options.Add(_labelFilter);
        Options.Add(_idFilter);
        _token.AddTo(this);
    }

    protected override void Execute(ParseResult parse)
    {
        bool login = parse.GetValue(_login);
        if (!login && parse.GetValue(_pinFile) is not null)
            throw new UsageException("--pin-file is only used with --login");
        byte[]? id = ParseId(parse.GetValue(_idFilter));

        using Module module = Context.OpenModule(parse);
        ISlot slot = _token.SelectInitialisedToken(module, parse);
        using ISession session = slot.OpenSession(SessionType.ReadOnly);
        if (login)
        {
            using PinValue pin = Context.Pins.Read("user PIN", parse.GetValue(_pinFile));
            session.Login(CKU.CKU_USER, pin.Bytes);
        }
        try
        {
            var template = new List<IObjectAttribute>();
            if (parse.GetValue(_labelFilter) is { } label)
                template.Add(module.Factories.ObjectAttributeFactory.Create(CKA.CKA_LABEL, label));
            if (id is not null)
                template.Add(module.Factories.ObjectAttributeFactory.Create(CKA.CKA_ID, id));

            List<IObjectHandle> found = session.FindAllObjects(template);
            Out.WriteLine($"{"Class",-20} {"Key type",-16} {"Label",-32} Id");
            foreach (IObjectHandle handle in found)
            {
                List<IObjectAttribute> a = session.GetAttributeValue(handle, Columns);
                Out.WriteLine($"{Read(a[0], v => Names.ObjectClass(v.GetValueAsUlong())),-20} " +
                              $"{Read(a[1], v => Names.KeyType(v.GetValueAsUlong()), ""),-16} " +
                              $"{Read(a[2], v => v.GetValueAsString()),-32} " +
                              $"{Read(a[3], v => Convert.ToHexStringLower(v.GetValueAsByteArray() ?? []))}");
            }
            Out.WriteLine($"{found.Count} object(s){(login ? "" : " (public only; add --login for private objects)")}");
        }
        finally
        {
            if (login)
                session.Logout();
        }
    }

    private static string Read(IObjectAttribute attribute, Func<IObjectAttribute, string?> format, string unreadable = "?") =>
        attribute.CannotBeRead ? unreadable : format(attribute) ?? "";

    private static byte[]? ParseId(string? hex)
    {
        if (hex is null)
            return null;
        try
        {
            return Convert.FromHexString(hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex);
        }
        catch (FormatException)
        {
            throw new UsageException($"--id: '{hex}' is not hexadecimal");
        }
    }
}
