using System.Text;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Storage;
using CloudHsm.Core.Storage.Sealing;
using CloudHsm.Pkcs11.Abi;
using NUnit.Framework;
using NUnit.Framework.Constraints;

namespace CloudHsm.Storage.Tests;

/// <summary>Small builders shared by the tests. PBKDF2 runs with 1,000 iterations here: the scheme, not the cost, is under test.</summary>
internal static class TestData
{
    public const int Iterations = 1000;

    public static byte[] Pin(string pin) => Encoding.UTF8.GetBytes(pin);

    /// <summary>count bytes start, start+1, ... (mod 256): recognisable when searched for in files.</summary>
    public static byte[] Sequence(byte start, int count)
    {
        var bytes = new byte[count];
        for (int i = 0; i < count; i++) bytes[i] = (byte)(start + i);
        return bytes;
    }

    public static byte[] Label(string text)
    {
        var label = new byte[32];
        Array.Fill(label, (byte)' ');
        Encoding.UTF8.GetBytes(text, label);
        return label;
    }

    /// <summary>A token record as C_InitToken would make it: the SO PIN wrapping <paramref name="tokenKey"/>.</summary>
    public static TokenRecord Token(string serial, byte[]? tokenKey = null, string soPin = "so-pin-1234", string label = "test token")
    {
        byte[] key = tokenKey ?? StorageScheme.NewTokenKey();
        return new TokenRecord
        {
            SchemaVersion = StorageScheme.Version,
            Serial = serial,
            Label = Label(label),
            SoPin = PinKeyDerivation.CreatePinRecord(Pin(soPin), key, serial, Iterations),
        };
    }

    public static KeyValuePair<CKA, byte[]> Attr(CKA type, byte[] value) => new(type, value);

    public static KeyValuePair<CKA, byte[]> Attr(CKA type, bool value) => new(type, [value ? (byte)1 : (byte)0]);

    public static KeyValuePair<CKA, byte[]> Attr(CKA type, ulong value) => new(type, BitConverter.GetBytes(value));

    public static KeyValuePair<CKA, byte[]> Attr(CKA type, string value) => new(type, Encoding.UTF8.GetBytes(value));

    /// <summary>The secret attributes of the tests: key material, as the object engine would say.</summary>
    public static bool IsSecret(CKA type) => type is CKA.CKA_VALUE or CKA.CKA_PRIVATE_EXPONENT or CKA.CKA_PRIME_1 or CKA.CKA_PRIME_2;

    /// <summary>Throws a <see cref="CkrException"/> carrying <paramref name="rv"/>.</summary>
    public static IResolveConstraint ThrowsCkr(CKR rv) =>
        Throws.InstanceOf<CkrException>().With.Property(nameof(CkrException.Rv)).EqualTo(rv);

    public static void AssertSameToken(TokenRecord actual, TokenRecord expected)
    {
        Assert.That(actual.SchemaVersion, Is.EqualTo(expected.SchemaVersion), "SchemaVersion");
        Assert.That(actual.Serial, Is.EqualTo(expected.Serial), "Serial");
        Assert.That(actual.Label, Is.EqualTo(expected.Label), "Label");
        AssertSamePin(actual.SoPin, expected.SoPin, "SoPin");
        if (expected.UserPin is null) Assert.That(actual.UserPin, Is.Null, "UserPin");
        else AssertSamePin(actual.UserPin, expected.UserPin, "UserPin");
        Assert.That(actual.SoFailedLogins, Is.EqualTo(expected.SoFailedLogins), "SoFailedLogins");
        Assert.That(actual.UserFailedLogins, Is.EqualTo(expected.UserFailedLogins), "UserFailedLogins");
    }

    private static void AssertSamePin(PinRecord? actual, PinRecord expected, string what)
    {
        Assert.That(actual, Is.Not.Null, what);
        Assert.That(actual!.Salt, Is.EqualTo(expected.Salt), what + ".Salt");
        Assert.That(actual.Iterations, Is.EqualTo(expected.Iterations), what + ".Iterations");
        Assert.That(actual.Verifier, Is.EqualTo(expected.Verifier), what + ".Verifier");
        Assert.That(actual.WrappedTokenKey, Is.EqualTo(expected.WrappedTokenKey), what + ".WrappedTokenKey");
    }

    public static void AssertSameObjects(IEnumerable<ObjectRecord> actual, IEnumerable<ObjectRecord> expected)
    {
        var byUid = actual.ToDictionary(o => o.Uid);
        var wanted = expected.ToList();
        Assert.That(byUid.Keys, Is.EquivalentTo(wanted.Select(o => o.Uid)));
        foreach (var e in wanted)
        {
            var a = byUid[e.Uid];
            Assert.That(a.IsPrivate, Is.EqualTo(e.IsPrivate), "IsPrivate");
            Assert.That(a.PlainAttributes, Is.EqualTo(e.PlainAttributes), "PlainAttributes");
            Assert.That(a.SealedAttributes, Is.EqualTo(e.SealedAttributes), "SealedAttributes");
        }
    }
}

/// <summary>A fresh folder under the system temp directory, removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() =>
        Path = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cloudhsm-storage-tests-" + Guid.NewGuid().ToString("N"))).FullName;

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
