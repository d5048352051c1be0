using CloudHsm.Core.Storage;
using CloudHsm.Core.Storage.Sealing;
using CloudHsm.Pkcs11.Abi;
using NUnit.Framework;
using static CloudHsm.Storage.Tests.TestData;

namespace CloudHsm.Storage.Tests;

[TestFixture]
public sealed class PinKeyDerivationTests
{
    private const string Serial = "00112233AABBCCDD";

    [Test]
    public void CreatePinRecord_HasTheDocumentedShape()
    {
        var record = PinKeyDerivation.CreatePinRecord(Pin("123456"), StorageScheme.NewTokenKey(), Serial, Iterations);

        Assert.That(record.Salt, Has.Length.EqualTo(16));
        Assert.That(record.Iterations, Is.EqualTo(Iterations));
        Assert.That(record.Verifier, Has.Length.EqualTo(32));
        Assert.That(record.WrappedTokenKey, Has.Length.EqualTo(12 + 32 + 16));
    }

    [Test]
    public void TryUnlock_WithTheRightPin_ReturnsTheTokenKey()
    {
        byte[] tokenKey = Sequence(0x40, 32);
        var record = PinKeyDerivation.CreatePinRecord(Pin("correct horse"), tokenKey, Serial, Iterations);

        bool unlocked = PinKeyDerivation.TryUnlock(record, Pin("correct horse"), Serial, out byte[]? key);

        Assert.That(unlocked, Is.True);
        Assert.That(key, Is.EqualTo(tokenKey));
    }

    [TestCase("correct hors")]
    [TestCase("correct horse ")]
    [TestCase("Correct horse")]
    [TestCase("")]
    public void TryUnlock_WithAWrongPin_ReturnsFalse(string wrong)
    {
        var record = PinKeyDerivation.CreatePinRecord(Pin("correct horse"), StorageScheme.NewTokenKey(), Serial, Iterations);

        bool unlocked = PinKeyDerivation.TryUnlock(record, Pin(wrong), Serial, out byte[]? key);

        Assert.That(unlocked, Is.False);
        Assert.That(key, Is.Null);
    }

    [Test]
    public void Verifier_NeverEqualsAnythingDerivedFromAnotherPin()
    {
        string[] pins = ["1234", "12345", "1235", "4321", "", "0000", "\u00e9t\u00e9", "a-much-longer-pin-than-usual-0123456789"];
        byte[] salt = Sequence(0x10, 16);
        var derived = pins.Select(p =>
        {
            var kek = new byte[32];
            var verifier = new byte[32];
            PinKeyDerivation.DeriveKeys(Pin(p), salt, Iterations, kek, verifier);
            return (Pin: p, Kek: kek, Verifier: verifier);
        }).ToList();

        foreach (var a in derived)
        {
            Assert.That(a.Verifier, Is.Not.EqualTo(a.Kek), $"verifier and KEK of '{a.Pin}'");
            foreach (var b in derived.Where(b => b.Pin != a.Pin))
            {
                Assert.That(a.Verifier, Is.Not.EqualTo(b.Verifier), $"verifiers of '{a.Pin}' and '{b.Pin}'");
                Assert.That(a.Verifier, Is.Not.EqualTo(b.Kek), $"verifier of '{a.Pin}', KEK of '{b.Pin}'");
            }
        }
    }

    [Test]
    public void DeriveKeys_IsDeterministicAndDependsOnSaltAndIterations()
    {
        byte[] pin = Pin("123456");
        (byte[] Kek, byte[] Verifier) Derive(byte[] salt, int iterations)
        {
            var kek = new byte[32];
            var verifier = new byte[32];
            PinKeyDerivation.DeriveKeys(pin, salt, iterations, kek, verifier);
            return (kek, verifier);
        }

        var first = Derive(Sequence(0, 16), Iterations);
        Assert.That(Derive(Sequence(0, 16), Iterations).Verifier, Is.EqualTo(first.Verifier));
        Assert.That(Derive(Sequence(1, 16), Iterations).Verifier, Is.Not.EqualTo(first.Verifier), "other salt");
        Assert.That(Derive(Sequence(0, 16), Iterations + 1).Verifier, Is.Not.EqualTo(first.Verifier), "other count");
    }

    [Test]
    public void CreatePinRecord_TwiceForOnePin_UsesFreshSaltAndNonce()
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        var a = PinKeyDerivation.CreatePinRecord(Pin("123456"), tokenKey, Serial, Iterations);
        var b = PinKeyDerivation.CreatePinRecord(Pin("123456"), tokenKey, Serial, Iterations);

        Assert.That(b.Salt, Is.Not.EqualTo(a.Salt));
        Assert.That(b.Verifier, Is.Not.EqualTo(a.Verifier));
        Assert.That(b.WrappedTokenKey, Is.Not.EqualTo(a.WrappedTokenKey));
    }

    [Test]
    public void TokenKey_WrappedUnderSoAndUserPins_OpensWithEitherAndOnlyWithItsOwnRecord()
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        var so = PinKeyDerivation.CreatePinRecord(Pin("so-secret"), tokenKey, Serial, Iterations);
        var user = PinKeyDerivation.CreatePinRecord(Pin("user-secret"), tokenKey, Serial, Iterations);

        Assert.That(PinKeyDerivation.TryUnlock(so, Pin("so-secret"), Serial, out byte[]? viaSo), Is.True);
        Assert.That(PinKeyDerivation.TryUnlock(user, Pin("user-secret"), Serial, out byte[]? viaUser), Is.True);
        Assert.That(viaSo, Is.EqualTo(tokenKey));
        Assert.That(viaUser, Is.EqualTo(tokenKey));
        Assert.That(PinKeyDerivation.TryUnlock(so, Pin("user-secret"), Serial, out _), Is.False);
        Assert.That(PinKeyDerivation.TryUnlock(user, Pin("so-secret"), Serial, out _), Is.False);
    }

    [Test]
    public void SetPin_Rewrap_NewPinOpensTheSameKeyAndTheOldPinDoesNotOpenTheNewRecord()
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        var old = PinKeyDerivation.CreatePinRecord(Pin("old-pin"), tokenKey, Serial, Iterations);
        Assert.That(PinKeyDerivation.TryUnlock(old, Pin("old-pin"), Serial, out byte[]? key), Is.True);

        var renewed = PinKeyDerivation.CreatePinRecord(Pin("new-pin"), key!, Serial, Iterations);

        Assert.That(PinKeyDerivation.TryUnlock(renewed, Pin("new-pin"), Serial, out byte[]? again), Is.True);
        Assert.That(again, Is.EqualTo(tokenKey));
        Assert.That(PinKeyDerivation.TryUnlock(renewed, Pin("old-pin"), Serial, out _), Is.False);
    }

    [Test]
    public void TryUnlock_RecordOfAnotherToken_IsDeviceError()
    {
        var record = PinKeyDerivation.CreatePinRecord(Pin("123456"), StorageScheme.NewTokenKey(), Serial, Iterations);

        Assert.That(() => PinKeyDerivation.TryUnlock(record, Pin("123456"), "FFEEDDCCBBAA9988", out _),
            ThrowsCkr(CKR.CKR_DEVICE_ERROR));
    }

    [TestCase(0)]
    [TestCase(12)]
    [TestCase(30)]
    [TestCase(59)]
    public void TryUnlock_TamperedWrappedKey_IsDeviceError(int offset)
    {
        var record = PinKeyDerivation.CreatePinRecord(Pin("123456"), StorageScheme.NewTokenKey(), Serial, Iterations);
        record.WrappedTokenKey[offset] ^= 0x01;

        Assert.That(() => PinKeyDerivation.TryUnlock(record, Pin("123456"), Serial, out _), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
    }

    [Test]
    public void TryUnlock_TamperedVerifier_LooksLikeAWrongPin()
    {
        var record = PinKeyDerivation.CreatePinRecord(Pin("123456"), StorageScheme.NewTokenKey(), Serial, Iterations);
        record.Verifier[5] ^= 0x80;

        Assert.That(PinKeyDerivation.TryUnlock(record, Pin("123456"), Serial, out _), Is.False);
    }

    [Test]
    public void TryUnlock_MalformedRecords_AreDeviceErrors()
    {
        var good = PinKeyDerivation.CreatePinRecord(Pin("123456"), StorageScheme.NewTokenKey(), Serial, Iterations);
        PinRecord[] bad =
        [
            good with { Salt = good.Salt[..8] },
            good with { Verifier = good.Verifier[..31] },
            good with { WrappedTokenKey = good.WrappedTokenKey[..59] },
            good with { Iterations = 0 },
            good with { Iterations = StorageScheme.MaxIterations + 1 },
        ];
        foreach (var record in bad)
            Assert.That(() => PinKeyDerivation.TryUnlock(record, Pin("123456"), Serial, out _), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
    }

    [Test]
    public void CreatePinRecord_RejectsBadArguments()
    {
        Assert.That(() => PinKeyDerivation.CreatePinRecord(Pin("1234"), new byte[16], Serial, Iterations), Throws.ArgumentException);
        Assert.That(() => PinKeyDerivation.CreatePinRecord(Pin("1234"), new byte[32], Serial, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => PinKeyDerivation.CreatePinRecord(Pin("1234"), new byte[32], Serial, StorageScheme.MaxIterations + 1),
            Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
