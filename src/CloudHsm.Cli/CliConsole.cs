using System.Text;

namespace CloudHsm.Cli;

/// <summary>
/// The process's terminal streams, behind one seam so that tests can drive the CLI in-process.
/// </summary>
internal class CliConsole(TextWriter output, TextWriter error, TextReader input, bool isInputRedirected)
{
    public static CliConsole System { get; } = new SystemConsole();

    public TextWriter Out { get; } = output;
    public TextWriter Error { get; } = error;
    public TextReader In { get; } = input;

    /// <summary>True when stdin is a pipe or a file: PINs are then read from it, one per line.</summary>
    public bool IsInputRedirected { get; } = isInputRedirected;

    /// <summary>Prompts on stderr and reads a line from the terminal without echoing it.</summary>
    public virtual char[] ReadSecret(string prompt) =>
        throw new UsageException($"cannot prompt for {prompt}: no terminal");

    private sealed class SystemConsole()
        : CliConsole(Console.Out, Console.Error, Console.In, Console.IsInputRedirected)
    {
        public override char[] ReadSecret(string prompt)
        {
            Error.Write($"{prompt}: ");
            Error.Flush();
            var typed = new StringBuilder();
            try
            {
                while (true)
                {
                    ConsoleKeyInfo key = Console.ReadKey(intercept: true);
                    if (key.Key == ConsoleKey.Enter)
                        break;
                    if (key.Key == ConsoleKey.Backspace)
                    {
                        if (typed.Length > 0)
                            typed.Length--;
                    }
                    else if (!char.IsControl(key.KeyChar))
                    {
                        typed.Append(key.KeyChar);
                    }
                }
                Error.WriteLine();
                var chars = new char[typed.Length];
                typed.CopyTo(0, chars, typed.Length);
                return chars;
            }
            finally
            {
                // StringBuilder has no secure clear; overwrite what it holds before dropping it.
                for (int i = 0; i < typed.Length; i++)
                    typed[i] = '\0';
            }
        }
    }
}
