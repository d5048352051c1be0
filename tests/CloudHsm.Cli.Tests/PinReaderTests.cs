using System.Text;
using CloudHsm.Cli.Pins;

namespace CloudHsm.Cli.Tests;

[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class PinReaderTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("cli-pin-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private FileInfo PinFile(string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        string path = Path.Combine(_dir, "pin");
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
        return new FileInfo(path);
    }

    private static string Text(PinValue pin) => Encoding.UTF8.GetString(pin.Bytes);

    [TestCase("1234", "1234")]
    [TestCase("1234\n", "1234")]
    [TestCase("1234\r\nsecond line\n", "1234")]
    [TestCase("pässwörd\n", "pässwörd")]
    public void FileGivesItsFirstLine(string content, string expected)
    {
        var console = new TestConsole();
        using PinValue pin = new PinReader(console).Read("user PIN", PinFile(content));
        Assert.That(Text(pin), Is.EqualTo(expected));
        Assert.That(console.Errors, Is.Empty);
    }

    [Test]
    public void EmptyFileIsAUsageError() =>
        Assert.That(() => new PinReader(new TestConsole()).Read("user PIN", PinFile("\n")),
            Throws.TypeOf<UsageException>());

    [Test]
    public void MissingFileIsAUsageError() =>
        Assert.That(() => new PinReader(new TestConsole()).Read("user PIN", new FileInfo(Path.Combine(_dir, "none"))),
            Throws.TypeOf<UsageException>().With.Message.Contains("none"));

    [Test]
    public void FileReadableByOthersIsWarnedAbout()
    {
        var console = new TestConsole();
        using PinValue pin = new PinReader(console).Read("user PIN",
            PinFile("1234", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead));
        Assert.That(console.Errors, Does.Contain("warning").And.Contain("644"));
    }

    [Test]
    public void PipedStdinGivesOnePinPerLineInOrder()
    {
        var reader = new PinReader(new TestConsole(stdin: "so-secret\nuser-secret\n"));
        using PinValue first = reader.Read("SO PIN", null);
        using PinValue second = reader.Read("new user PIN", null, confirm: true);
        Assert.That((Text(first), Text(second)), Is.EqualTo(("so-secret", "user-secret")));
    }

    [Test]
    public void ExhaustedStdinIsAUsageError()
    {
        var reader = new PinReader(new TestConsole(stdin: "only-one\n"));
        using PinValue first = reader.Read("SO PIN", null);
        Assert.That(() => reader.Read("new user PIN", null), Throws.TypeOf<UsageException>());
    }

    [Test]
    public void PromptAsksTwiceForANewPin()
    {
        var console = new TestConsole(null, "4321", "4321");
        using PinValue pin = new PinReader(console).Read("new user PIN", null, confirm: true);
        Assert.That(Text(pin), Is.EqualTo("4321"));
        Assert.That(console.Prompts, Has.Count.EqualTo(2));
    }

    [Test]
    public void PromptMismatchIsAUsageError() =>
        Assert.That(() => new PinReader(new TestConsole(null, "4321", "1234")).Read("new user PIN", null, confirm: true),
            Throws.TypeOf<UsageException>().With.Message.Contains("do not match"));

    [Test]
    public void DisposeZeroesThePin()
    {
        var pin = new PinReader(new TestConsole(stdin: "1234\n")).Read("user PIN", null);
        byte[] bytes = pin.Bytes;
        pin.Dispose();
        Assert.That(bytes, Is.All.EqualTo(0));
    }
}
