namespace CloudHsm.Cli.Tests;

[TestFixture]
public class ParsingTests
{
    private static (int Exit, TestConsole Console) Run(params string[] args)
    {
        var console = new TestConsole();
        return (CliApp.Run(args, console), console);
    }

    [Test]
    public void HelpListsTheNounsAndExitsZero()
    {
        var (exit, console) = Run("--help");
        Assert.That(exit, Is.EqualTo(ExitCodes.Ok));
        Assert.That(console.Output, Does.Contain("token").And.Contain("pin").And.Contain("mech")
            .And.Contain("object").And.Contain("random").And.Contain("--module"));
    }

    private static IEnumerable<TestCaseData> UsageErrors()
    {
        yield return new TestCaseData((object)Array.Empty<string>()).SetName("no command");
        yield return new TestCaseData((object)new[] { "token" }).SetName("noun without verb");
        yield return new TestCaseData((object)new[] { "token", "frobnicate" }).SetName("unknown verb");
        yield return new TestCaseData((object)new[] { "random" }).SetName("required option missing");
        yield return new TestCaseData((object)new[] { "random", "--bytes", "many" }).SetName("option value of the wrong type");
        yield return new TestCaseData((object)new[] { "token", "list", "--pin", "1234" })
            .SetName("no --pin option: PINs never on the command line");
    }

    [TestCaseSource(nameof(UsageErrors))]
    public void UsageErrorsExitTwo(string[] args)
    {
        var (exit, console) = Run(args);
        Assert.That(exit, Is.EqualTo(ExitCodes.Usage));
        Assert.That(console.Errors, Does.Contain("cloudhsm-cli:"));
    }

    [Test]
    public void ValuesCheckedBeforeTheModuleIsLoaded()
    {
        var (exit, console) = Run("random", "--bytes", "0", "--module", "/nonexistent/libx.so");
        Assert.That(exit, Is.EqualTo(ExitCodes.Usage));
        Assert.That(console.Errors, Does.Contain("--bytes"));
    }

    [Test]
    public void MissingModuleExitsOneWithItsPath()
    {
        var (exit, console) = Run("token", "list", "--module", "/nonexistent/libx.so");
        Assert.That(exit, Is.EqualTo(ExitCodes.Pkcs11Error));
        Assert.That(console.Errors, Does.Contain("/nonexistent/libx.so"));
    }

    [TestCase("17", 17UL)]
    [TestCase("0x11", 17UL)]
    [TestCase("0X4d2", 1234UL)]
    [TestCase("18446744073709551615", ulong.MaxValue)]
    public void SlotIdsAreDecimalOrHex(string text, ulong expected) =>
        Assert.That(Pkcs11.TokenOptions.ParseSlotId(text), Is.EqualTo(expected));

    [TestCase("")]
    [TestCase("-1")]
    [TestCase("+1")]
    [TestCase("0x")]
    [TestCase("slot1")]
    public void BadSlotIdsAreUsageErrors(string text) =>
        Assert.That(() => Pkcs11.TokenOptions.ParseSlotId(text), Throws.TypeOf<UsageException>());
}
