using System.Security.Cryptography;
using System.Text;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// No leaks at rest (issue 5 part 5; docs/SECURITY.md "Someone who copies the token directory"): keys stored through
/// the published library, with PINs it was given, leave no plaintext in the token directory. CloudHsm.Storage.Tests
/// scans a store written directly; this does it black-box, through C_InitToken, C_InitPIN, C_SetPIN and
/// C_CreateObject, and scans every file under the token directory (the databases, SQLite's -wal and -shm, anything
/// else) while the module has them open and again after C_Finalize.
/// </summary>
public sealed class _31_NoLeaksAtRestTest : Pkcs11Fixture
{
    private const string PinAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    /// <summary>A PIN no file could hold by chance.</summary>
    public static string RandomPin() => RandomNumberGenerator.GetString(PinAlphabet, 24);

    [Test]
    public void Token_directory_files_hold_no_key_material_and_no_PIN()
    {
        string soPin = RandomPin(), userPin = RandomPin(), newUserPin = RandomPin(), wrongPin = RandomPin();
        string label = "at-rest-" + Guid.NewGuid().ToString("N")[..8];
        ulong slot = Track(Tokens.InitToken(label, soPin));
        Tokens.InitUserPin(slot, soPin, userPin);

        ulong s = P11.OpenSession(slot, readWrite: true);
        Assert.That(P11.TryLogin(s, CKU.CKU_USER, wrongPin), Is.EqualTo(CKR.CKR_PIN_INCORRECT), "a wrong PIN (counted in the store)");
        P11.Login(s, CKU.CKU_USER, userPin);
        byte[] oldPin = P11.Pin(userPin), newPin = P11.Pin(newUserPin);
        P11.Ok(Module.Low.C_SetPIN(s, oldPin, (ulong)oldPin.Length, newPin, (ulong)newPin.Length), "C_SetPIN");

        // Token objects of every key type, private and not, sensitive or not: the store seals key material whatever
        // the key's attributes say (a readable key is readable through the API, never from the disk).
        var scan = new SecretScan();
        foreach (var (what, pin) in new[] { ("SO PIN", soPin), ("user PIN", userPin), ("new user PIN", newUserPin), ("wrong PIN", wrongPin) })
            scan.Add(what, Encoding.UTF8.GetBytes(pin)).Add(what + " (UTF-16)", Encoding.Unicode.GetBytes(pin));
        foreach (KnownKey key in KnownKeys.All())
        {
            foreach (var (type, value) in key.Secrets)
                scan.Add($"{key} {Names.Attribute((ulong)type)}", value.SkipWhile(b => b == 0).ToArray());
            key.Import(s, Concealment.Sensitive, Attr.Token(true));
            key.Import(s, Concealment.Unextractable, Attr.Token(true), Attr.Private(false));
        }
        KnownKey readable = KnownKeys.Aes();
        scan.Add("readable AES key", readable.Secrets[0].Value);
        P11.Create(s, readable.Template(P11.UniqueLabel("readable"), Concealment.Sensitive,
            Attr.Token(true), Attr.Private(false), Attr.Bool(CKA.CKA_SENSITIVE, false)));

        // A public data object: its value is stored in the clear, so the scan must find it (proof that it reads the
        // files this token's objects went to).
        byte[] marker = Encoding.ASCII.GetBytes("at-rest-marker-" + Guid.NewGuid().ToString("N"));
        P11.Create(s, TestData.DataObject(P11.UniqueLabel("marker"), token: true, value: marker));

        string[] live = AssertNothingInTokenDirectory(scan, marker, "with the module running");
        Assert.That(live, Has.Some.EndsWith("-wal"), "the scan with the module running covers SQLite's write-ahead log");

        P11.Ok(Module.Low.C_Finalize(IntPtr.Zero), "C_Finalize");
        try
        {
            AssertNothingInTokenDirectory(scan, marker, "after C_Finalize");
        }
        finally
        {
            Module.EnsureInitialized();
        }
    }

    /// <summary>Scans every file under the token directory; returns the names of those it read.</summary>
    private static string[] AssertNothingInTokenDirectory(SecretScan scan, byte[] marker, string when)
    {
        string[] files = Directory.GetFiles(TestEnvironment.TokenDirectory, "*", SearchOption.AllDirectories);
        Assert.That(files, Is.Not.Empty, "the token directory has files");
        bool markerSeen = false;
        var report = new List<string>();
        foreach (string file in files)
        {
            byte[] content;
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                content = new byte[stream.Length];
                stream.ReadExactly(content);
            }
            catch (FileNotFoundException)
            {
                continue; // a journal that went away between listing and reading
            }
            string name = Path.GetRelativePath(TestEnvironment.TokenDirectory, file);
            report.Add(name);
            Assert.That(scan.FindIn(content), Is.Empty, $"{when}: {name} holds secrets");
            markerSeen |= content.AsSpan().IndexOf(marker) >= 0;
        }
        TestContext.Out.WriteLine($"{when}: scanned {string.Join(", ", report)}");
        Assert.That(markerSeen, Is.True, $"{when}: the scan finds the public data object's value, so it reads the token's files");
        return report.ToArray();
    }
}
