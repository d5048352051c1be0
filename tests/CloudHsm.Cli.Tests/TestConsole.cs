namespace CloudHsm.Cli.Tests;

/// <summary>A console with captured output, a scripted stdin and scripted no-echo prompts.</summary>
internal sealed class TestConsole(string? stdin = null, params string[] promptAnswers)
    : CliConsole(new StringWriter(), new StringWriter(), new StringReader(stdin ?? ""), stdin is not null)
{
    private readonly Queue<string> _answers = new(promptAnswers);

    public List<string> Prompts { get; } = [];

    public string Output => Out.ToString()!;
    public string Errors => Error.ToString()!;

    public override char[] ReadSecret(string prompt)
    {
        Prompts.Add(prompt);
        return _answers.Dequeue().ToCharArray();
    }
}
