using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Storage;
using CloudHsm.Core.Storage.Sealing;
using CloudHsm.Pkcs11.Abi;
using NUnit.Framework;
using static CloudHsm.Storage.Tests.TestData;

namespace CloudHsm.Storage.Tests;

[TestFixture]
public sealed class ObjectSealerTests
{
    private static readonly byte[] KeyValue = Sequence(0xd0, 32);

    private static List<KeyValuePair<CKA, byte[]>> SecretKeyAttributes(bool isPrivate) =>
    [
        Attr(CKA.CKA_CLASS, 4UL),
        Attr(CKA.CKA_KEY_TYPE, 0x1FUL),
        Attr(CKA.CKA_PRIVATE, isPrivate),
        Attr(CKA.CKA_LABEL, "aes key"),
        Attr(CKA.CKA_VALUE, (byte[])KeyValue.Clone()),
        Attr(CKA.CKA_ENCRYPT, true),
    ];

    [TestCase(true)]
    [TestCase(false)]
    public void Seal_ThenOpenWithTheKey_ReturnsEveryAttribute(bool isPrivate)
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        var attributes = SecretKeyAttributes(isPrivate);
        var uid = Guid.NewGuid();

        var record = ObjectSealer.Seal(uid, isPrivate, attributes, IsSecret, tokenKey);
        var opened = ObjectSealer.Open(record, tokenKey);

        Assert.That(record.Uid, Is.EqualTo(uid));
        Assert.That(record.IsPrivate, Is.EqualTo(isPrivate));
        Assert.That(opened.SealedPartPending, Is.False);
        Assert.That(opened.Attributes.ToDictionary(a => a.Key, a => a.Value), Is.EquivalentTo(attributes.ToDictionary(a => a.Key, a => a.Value)));
    }

    [Test]
    public void PrivateObject_SealsEverything_PlainPartIsTheEmptyList()
    {
        var record = ObjectSealer.Seal(Guid.NewGuid(), true, SecretKeyAttributes(true), IsSecret, StorageScheme.NewTokenKey());

        Assert.That(record.PlainAttributes, Is.EqualTo(new byte[] { 0, 0, 0, 0 }));
        Assert.That(record.SealedAttributes[0], Is.EqualTo(ObjectSealer.SealedVersion));
        Assert.That(record.SealedAttributes.AsSpan().IndexOf("aes key"u8), Is.EqualTo(-1), "label must not be in clear");
        Assert.That(record.SealedAttributes.AsSpan().IndexOf(KeyValue), Is.EqualTo(-1), "key must not be in clear");
    }

    [Test]
    public void NonPrivateObject_SealsOnlySecretAttributes()
    {
        var record = ObjectSealer.Seal(Guid.NewGuid(), false, SecretKeyAttributes(false), IsSecret, StorageScheme.NewTokenKey());

        var plain = AttributeCodec.Decode(record.PlainAttributes);
        Assert.That(plain.Select(a => a.Key), Is.EqualTo(new[] { CKA.CKA_CLASS, CKA.CKA_KEY_TYPE, CKA.CKA_PRIVATE, CKA.CKA_LABEL, CKA.CKA_ENCRYPT }));
        Assert.That(record.SealedAttributes, Is.Not.Empty);
        Assert.That(record.SealedAttributes.AsSpan().IndexOf(KeyValue), Is.EqualTo(-1));
        Assert.That(record.PlainAttributes.AsSpan().IndexOf(KeyValue), Is.EqualTo(-1));
    }

    [Test]
    public void NonPrivateObject_WithoutTheKey_OpensThePlainPartAndFlagsTheSealedOne()
    {
        var record = ObjectSealer.Seal(Guid.NewGuid(), false, SecretKeyAttributes(false), IsSecret, StorageScheme.NewTokenKey());

        var opened = ObjectSealer.Open(record, tokenKey: null);

        Assert.That(opened.SealedPartPending, Is.True);
        Assert.That(opened.Attributes.Select(a => a.Key), Does.Not.Contain(CKA.CKA_VALUE));
        Assert.That(opened.Attributes.Select(a => a.Key), Does.Contain(CKA.CKA_LABEL));
    }

    [Test]
    public void PrivateObject_WithoutTheKey_OpensToNothingPending()
    {
        var record = ObjectSealer.Seal(Guid.NewGuid(), true, SecretKeyAttributes(true), IsSecret, StorageScheme.NewTokenKey());

        var opened = ObjectSealer.Open(record, tokenKey: null);

        Assert.That(opened.SealedPartPending, Is.True);
        Assert.That(opened.Attributes, Is.Empty);
    }

    [Test]
    public void ObjectWithoutSecrets_HasAnEmptySealedPart_AndNeedsNoKey()
    {
        List<KeyValuePair<CKA, byte[]>> certificate =
            [Attr(CKA.CKA_CLASS, 1UL), Attr(CKA.CKA_LABEL, "cert"), Attr(CKA.CKA_VALUE, Sequence(0x30, 100))];

        var record = ObjectSealer.Seal(Guid.NewGuid(), false, certificate, _ => false, tokenKey: null);
        var opened = ObjectSealer.Open(record, tokenKey: null);

        Assert.That(record.SealedAttributes, Is.Empty);
        Assert.That(opened.SealedPartPending, Is.False);
        Assert.That(opened.Attributes.Select(a => a.Value), Is.EqualTo(certificate.Select(a => a.Value)));
    }

    [Test]
    public void Seal_NeedingTheKeyWithoutIt_IsUserNotLoggedIn()
    {
        Assert.That(() => ObjectSealer.Seal(Guid.NewGuid(), true, [Attr(CKA.CKA_LABEL, "x")], IsSecret, null),
            ThrowsCkr(CKR.CKR_USER_NOT_LOGGED_IN));
        Assert.That(() => ObjectSealer.Seal(Guid.NewGuid(), false, SecretKeyAttributes(false), IsSecret, null),
            ThrowsCkr(CKR.CKR_USER_NOT_LOGGED_IN));
    }

    [Test]
    public void Seal_UsesAFreshNonceEveryTime()
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        var uid = Guid.NewGuid();

        var a = ObjectSealer.Seal(uid, true, SecretKeyAttributes(true), IsSecret, tokenKey);
        var b = ObjectSealer.Seal(uid, true, SecretKeyAttributes(true), IsSecret, tokenKey);

        Assert.That(b.SealedAttributes.AsSpan(1, 12).ToArray(), Is.Not.EqualTo(a.SealedAttributes.AsSpan(1, 12).ToArray()));
        Assert.That(b.SealedAttributes, Is.Not.EqualTo(a.SealedAttributes));
    }

    [TestCase(0, Description = "version byte")]
    [TestCase(1, Description = "nonce")]
    [TestCase(20, Description = "ciphertext")]
    [TestCase(-1, Description = "last tag byte")]
    public void TamperedSealedPart_IsDeviceError(int offset)
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        var record = ObjectSealer.Seal(Guid.NewGuid(), true, SecretKeyAttributes(true), IsSecret, tokenKey);
        int at = offset >= 0 ? offset : record.SealedAttributes.Length + offset;
        record.SealedAttributes[at] ^= 0x04;

        Assert.That(() => ObjectSealer.Open(record, tokenKey), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
    }

    [Test]
    public void SealedPartMovedToAnotherUid_IsDeviceError()
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        var first = ObjectSealer.Seal(Guid.NewGuid(), true, SecretKeyAttributes(true), IsSecret, tokenKey);
        var second = ObjectSealer.Seal(Guid.NewGuid(), true, [Attr(CKA.CKA_LABEL, "other")], IsSecret, tokenKey);

        var swapped = second with { SealedAttributes = first.SealedAttributes };

        Assert.That(() => ObjectSealer.Open(swapped, tokenKey), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
    }

    [Test]
    public void PrivateFlagFlipped_IsDeviceError()
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        var record = ObjectSealer.Seal(Guid.NewGuid(), false, SecretKeyAttributes(false), IsSecret, tokenKey);

        Assert.That(() => ObjectSealer.Open(record with { IsPrivate = true, PlainAttributes = [0, 0, 0, 0] }, tokenKey),
            ThrowsCkr(CKR.CKR_DEVICE_ERROR));
    }

    [Test]
    public void WrongKey_IsDeviceError_AndTheMessageCarriesNoSecret()
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        byte[] wrongKey = StorageScheme.NewTokenKey();
        var record = ObjectSealer.Seal(Guid.NewGuid(), true, SecretKeyAttributes(true), IsSecret, tokenKey);

        var error = (CkrException?)null;
        try
        {
            ObjectSealer.Open(record, wrongKey);
        }
        catch (CkrException e)
        {
            error = e;
        }

        Assert.That(error, Is.Not.Null);
        Assert.That(error!.Rv, Is.EqualTo(CKR.CKR_DEVICE_ERROR));
        foreach (byte[] secret in new[] { tokenKey, wrongKey, KeyValue })
        {
            Assert.That(error.ToString(), Does.Not.Contain(Convert.ToHexString(secret)).IgnoreCase);
            Assert.That(error.ToString(), Does.Not.Contain(Convert.ToBase64String(secret)));
        }
    }

    [Test]
    public void MalformedRecords_AreDeviceErrors()
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        var privateRecord = ObjectSealer.Seal(Guid.NewGuid(), true, SecretKeyAttributes(true), IsSecret, tokenKey);
        var publicRecord = ObjectSealer.Seal(Guid.NewGuid(), false, SecretKeyAttributes(false), IsSecret, tokenKey);

        ObjectRecord[] bad =
        [
            privateRecord with { SealedAttributes = [] },                                     // private without sealed part
            privateRecord with { PlainAttributes = AttributeCodec.Encode([Attr(CKA.CKA_LABEL, "x")]) }, // private with plain
            privateRecord with { SealedAttributes = privateRecord.SealedAttributes[..20] },  // truncated
            publicRecord with { PlainAttributes = [1, 0, 0] },                                // malformed plain list
            publicRecord with { PlainAttributes = AttributeCodec.Encode([Attr(CKA.CKA_VALUE, "shadow")]) }, // CKA_VALUE twice
        ];
        foreach (var record in bad)
            Assert.That(() => ObjectSealer.Open(record, tokenKey), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
    }

    /// <summary>A non-private AES key as an application would make it: usage flags and label in the plain part.</summary>
    private static List<KeyValuePair<CKA, byte[]>> UsableKeyAttributes() =>
    [
        Attr(CKA.CKA_CLASS, 4UL),
        Attr(CKA.CKA_KEY_TYPE, 0x1FUL),
        Attr(CKA.CKA_PRIVATE, false),
        Attr(CKA.CKA_LABEL, "aes key"),
        Attr(CKA.CKA_SENSITIVE, true),
        Attr(CKA.CKA_EXTRACTABLE, false),
        Attr(CKA.CKA_SIGN, false),
        Attr(CKA.CKA_ENCRYPT, true),
        Attr(CKA.CKA_ALLOWED_MECHANISMS, BitConverter.GetBytes(0x1087UL)), // CKM_AES_GCM
        Attr(CKA.CKA_VALUE, (byte[])KeyValue.Clone()),
    ];

    /// <summary>The offset in <paramref name="plain"/> of the first value byte of <paramref name="type"/>.</summary>
    private static int ValueOffset(byte[] plain, CKA type)
    {
        int offset = 4;
        foreach (var attribute in AttributeCodec.Decode(plain))
        {
            if (attribute.Key == type) return offset + 8;
            offset += 8 + attribute.Value.Length;
        }
        throw new ArgumentException($"{type} is not in the plain part");
    }

    [TestCase(CKA.CKA_SENSITIVE)]
    [TestCase(CKA.CKA_EXTRACTABLE)]
    [TestCase(CKA.CKA_SIGN)]
    [TestCase(CKA.CKA_ALLOWED_MECHANISMS)]
    [TestCase(CKA.CKA_LABEL)]
    [TestCase(CKA.CKA_CLASS)]
    public void PlainPartOfAKey_OneByteFlipped_IsDeviceErrorWithTheKey(CKA type)
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        var record = ObjectSealer.Seal(Guid.NewGuid(), false, UsableKeyAttributes(), IsSecret, tokenKey);
        record.PlainAttributes[ValueOffset(record.PlainAttributes, type)] ^= 0x01;

        Assert.That(() => ObjectSealer.Open(record, tokenKey), ThrowsCkr(CKR.CKR_DEVICE_ERROR));

        // The tampered list still decodes (so the failure above is authentication, not parsing): without the
        // key it is returned, unverified, with the sealed part pending — the engine does not use such a key.
        var pending = ObjectSealer.Open(record, tokenKey: null);
        Assert.That(pending.SealedPartPending, Is.True);
        Assert.That(pending.Attributes.Single(a => a.Key == type).Value, Is.EqualTo(AttributeCodec.Decode(record.PlainAttributes).Single(a => a.Key == type).Value));
    }

    [Test]
    public void PlainPartOfAKey_AnyByteFlipped_IsDeviceErrorWithTheKey()
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        var record = ObjectSealer.Seal(Guid.NewGuid(), false, UsableKeyAttributes(), IsSecret, tokenKey);

        for (int i = 0; i < record.PlainAttributes.Length; i++)
        {
            byte[] plain = (byte[])record.PlainAttributes.Clone();
            plain[i] ^= 0x80;
            Assert.That(() => ObjectSealer.Open(record with { PlainAttributes = plain }, tokenKey), ThrowsCkr(CKR.CKR_DEVICE_ERROR), $"byte {i}");
        }
    }

    [Test]
    public void PlainPartOfAKey_Rewritten_IsDeviceErrorWithTheKey()
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        var record = ObjectSealer.Seal(Guid.NewGuid(), false, UsableKeyAttributes(), IsSecret, tokenKey);
        var plain = AttributeCodec.Decode(record.PlainAttributes);

        var reordered = AttributeCodec.Encode(Enumerable.Reverse(plain));
        var flagAdded = AttributeCodec.Encode([.. plain, Attr(CKA.CKA_WRAP, true)]);
        var flagDropped = AttributeCodec.Encode(plain.Where(a => a.Key != CKA.CKA_EXTRACTABLE));
        var emptied = AttributeCodec.Encode([]);
        foreach (var bytes in new[] { reordered, flagAdded, flagDropped, emptied })
            Assert.That(() => ObjectSealer.Open(record with { PlainAttributes = bytes }, tokenKey), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
    }

    [Test]
    public void PlainPartOfAnOlderVersionOfTheSameKey_IsDeviceErrorWithTheKey()
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        var uid = Guid.NewGuid();
        var before = ObjectSealer.Seal(uid, false, UsableKeyAttributes(), IsSecret, tokenKey);
        var after = ObjectSealer.Seal(uid, false,
            UsableKeyAttributes().Select(a => a.Key == CKA.CKA_LABEL ? Attr(CKA.CKA_LABEL, "renamed") : a), IsSecret, tokenKey);

        Assert.That(() => ObjectSealer.Open(after with { PlainAttributes = before.PlainAttributes }, tokenKey), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
        Assert.That(() => ObjectSealer.Open(before with { PlainAttributes = after.PlainAttributes }, tokenKey), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
        Assert.That(ObjectSealer.Open(after, tokenKey).Attributes.Single(a => a.Key == CKA.CKA_LABEL).Value, Is.EqualTo("renamed"u8.ToArray()));
    }

    [Test]
    public void PrivateObject_PlainPartChanged_IsDeviceError()
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        var record = ObjectSealer.Seal(Guid.NewGuid(), true, SecretKeyAttributes(true), IsSecret, tokenKey);

        Assert.That(() => ObjectSealer.Open(record with { PlainAttributes = [0, 0, 0, 0, 0] }, tokenKey), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
        Assert.That(() => ObjectSealer.Open(record with { PlainAttributes = [1, 0, 0, 0] }, tokenKey), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
    }

    [Test]
    public void PublicDataObject_WithoutSealedPart_RoundTrips_WithOrWithoutTheKey()
    {
        List<KeyValuePair<CKA, byte[]>> data =
        [
            Attr(CKA.CKA_CLASS, 0UL), // CKO_DATA
            Attr(CKA.CKA_TOKEN, true),
            Attr(CKA.CKA_PRIVATE, false),
            Attr(CKA.CKA_LABEL, "config"),
            Attr(CKA.CKA_APPLICATION, "app"),
            Attr(CKA.CKA_VALUE, Sequence(0x40, 50)),
        ];
        var uid = Guid.NewGuid();

        var record = ObjectSealer.Seal(uid, false, data, _ => false, tokenKey: null);
        var withKey = ObjectSealer.Seal(uid, false, data, _ => false, StorageScheme.NewTokenKey());

        Assert.That(record.SealedAttributes, Is.Empty);
        Assert.That(withKey.SealedAttributes, Is.Empty, "a key changes nothing when nothing is secret");
        Assert.That(withKey.PlainAttributes, Is.EqualTo(record.PlainAttributes));
        foreach (byte[]? key in new[] { null, StorageScheme.NewTokenKey() })
        {
            var opened = ObjectSealer.Open(record, key);
            Assert.That(opened.SealedPartPending, Is.False);
            Assert.That(opened.IsPrivate, Is.False);
            Assert.That(opened.Attributes, Is.EqualTo(data));
        }
    }

    [Test]
    public void ObjectWithoutSealedPart_IsNotAuthenticated_AsDocumented()
    {
        // docs/storage-encryption.md §7: nothing binds a record without a sealed part, so a changed plain part
        // opens as changed. This pins the documented limit; if it ever fails, update the document.
        var record = ObjectSealer.Seal(Guid.NewGuid(), false, [Attr(CKA.CKA_CLASS, 0UL), Attr(CKA.CKA_LABEL, "abc")], _ => false, null);
        record.PlainAttributes[^1] = (byte)'x';

        Assert.That(ObjectSealer.Open(record, StorageScheme.NewTokenKey()).Attributes[1].Value, Is.EqualTo("abx"u8.ToArray()));
    }

    [Test]
    public void Open_AnAttributeStoredTwiceInThePlainPart_IsDeviceErrorEvenWithoutTheKey()
    {
        var record = ObjectSealer.Seal(Guid.NewGuid(), false, [Attr(CKA.CKA_CLASS, 0UL), Attr(CKA.CKA_LABEL, "a")], _ => false, null);
        var twice = record with { PlainAttributes = AttributeCodec.Encode([Attr(CKA.CKA_CLASS, 0UL), Attr(CKA.CKA_LABEL, "a"), Attr(CKA.CKA_LABEL, "b")]) };

        Assert.That(() => ObjectSealer.Open(twice, null), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
    }

    [Test]
    public void Open_ANonPrivateRecordClaimingCkaPrivate_IsDeviceError()
    {
        var record = ObjectSealer.Seal(Guid.NewGuid(), false, [Attr(CKA.CKA_CLASS, 0UL), Attr(CKA.CKA_PRIVATE, false)], _ => false, null);
        record.PlainAttributes[^1] = 1;

        Assert.That(() => ObjectSealer.Open(record, null), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
    }

    [Test]
    public void Seal_RefusesAnAttributeGivenTwice()
    {
        Assert.That(() => ObjectSealer.Seal(Guid.NewGuid(), false, [Attr(CKA.CKA_LABEL, "a"), Attr(CKA.CKA_LABEL, "b")], _ => false, null),
            Throws.ArgumentException);
    }

    [Test]
    public void Open_UnknownVersionByte_IsDeviceErrorEvenWithoutTheKey()
    {
        var record = ObjectSealer.Seal(Guid.NewGuid(), false, SecretKeyAttributes(false), IsSecret, StorageScheme.NewTokenKey());
        record.SealedAttributes[0] = 2;

        Assert.That(() => ObjectSealer.Open(record, null), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
    }

    [Test]
    public void Seal_RefusesAPrivateObjectDeclaredNonPrivate()
    {
        Assert.That(() => ObjectSealer.Seal(Guid.NewGuid(), false, SecretKeyAttributes(true), _ => false, StorageScheme.NewTokenKey()),
            Throws.ArgumentException);
    }

    [Test]
    public void Seal_And_Open_RefuseAKeyOfTheWrongSize()
    {
        var record = ObjectSealer.Seal(Guid.NewGuid(), true, SecretKeyAttributes(true), IsSecret, StorageScheme.NewTokenKey());

        Assert.That(() => ObjectSealer.Seal(Guid.NewGuid(), true, SecretKeyAttributes(true), IsSecret, new byte[16]), Throws.ArgumentException);
        Assert.That(() => ObjectSealer.Open(record, new byte[31]), Throws.ArgumentException);
    }
}
