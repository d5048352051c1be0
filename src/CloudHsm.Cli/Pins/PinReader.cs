using System.Text;

namespace CloudHsm.Cli.Pins;

/// <summary>
/// Where PINs come from, in order: a PIN file (its first line), then standard input when it is
/// not a terminal (one PIN per line, in the order the command asks for them), then a no-echo
/// prompt. PINs are never taken from the command line or the environment: both leak into
/// process listings, shell history and crash reports.
/// </summary>
internal sealed class PinReader(CliConsole console)
{
    public const string HelpText =
        "PINs are read from the PIN-file options (first line of the file), else from standard input " +
        "when it is not a terminal (one PIN per line, in the order the command asks for them), else " +
        "from a prompt that does not echo. PINs are never accepted as arguments or environment variables.";

    /// <param name="what">What the PIN is, for prompts and messages, e.g. "SO PIN".</param>
    /// <param name="file">The PIN file, if the user named one.</param>
    /// <param name="confirm">Ask twice when prompting (for a PIN being set).</param>
    public PinValue Read(string what, FileInfo? file, bool confirm = false)
    {
        byte[] pin = file is not null ? FromFile(what, file)
            : console.IsInputRedirected ? FromStdin(what)
            : FromPrompt(what, confirm);
        if (pin.Length == 0)
            throw new UsageException($"the {what} is empty");
        return new PinValue(pin);
    }

    private byte[] FromFile(string what, FileInfo file)
    {
        byte[] content;
        try
        {
            content = File.ReadAllBytes(file.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read the {what} file '{file}': {e.Message}");
        }
        WarnIfReadableByOthers(file);
        try
        {
            int end = Array.IndexOf(content, (byte)'\n');
            if (end < 0)
                end = content.Length;
            if (end > 0 && content[end - 1] == (byte)'\r')
                end--;
            return content.AsSpan(0, end).ToArray();
        }
        finally
        {
            Array.Clear(content);
        }
    }

    private void WarnIfReadableByOthers(FileInfo file)
    {
        if (OperatingSystem.IsWindows())
            return;
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite |
                                    UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        UnixFileMode mode = File.GetUnixFileMode(file.FullName);
        if ((mode & others) != 0)
        {
            console.Error.WriteLine(
                $"cloudhsm-cli: warning: PIN file '{file}' is accessible by group or others " +
                $"(mode {Convert.ToString((int)mode, 8)}); restrict it with chmod 600.");
        }
    }

    private byte[] FromStdin(string what)
    {
        string? line = console.In.ReadLine();
        if (line is null)
        {
            throw new UsageException(
                $"no {what} on standard input (give a PIN file, pipe the PIN in, or run on a terminal)");
        }
        return Encoding.UTF8.GetBytes(line);
    }

    private byte[] FromPrompt(string what, bool confirm)
    {
        char[] first = console.ReadSecret($"Enter {what}");
        try
        {
            if (confirm)
            {
                char[] second = console.ReadSecret($"Enter {what} again");
                try
                {
                    if (!first.AsSpan().SequenceEqual(second))
                        throw new UsageException($"the two {what}s do not match");
                }
                finally
                {
                    Array.Clear(second);
                }
            }
            return Encoding.UTF8.GetBytes(first);
        }
        finally
        {
            Array.Clear(first);
        }
    }
}
