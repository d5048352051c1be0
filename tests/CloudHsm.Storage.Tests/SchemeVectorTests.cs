using CloudHsm.Core.Storage;
using CloudHsm.Core.Storage.Sealing;
using CloudHsm.Pkcs11.Abi;
using NUnit.Framework;
using static CloudHsm.Storage.Tests.TestData;

namespace CloudHsm.Storage.Tests;

/// <summary>
/// Known answers for docs/storage-encryption.md v1, computed by an independent implementation (Python:
/// hashlib.pbkdf2_hmac, RFC 5869 HKDF-Expand written with hmac, cryptography's AESGCM). If one of these
/// fails, tokens written by an earlier build no longer open: that needs a new scheme version, not a new vector.
/// </summary>
[TestFixture]
public sealed class SchemeVectorTests
{
    private const string Serial = "0123456789ABCDEF";
    private static readonly byte[] PinBytes = Pin("123456");
    private static readonly byte[] Salt = Sequence(0x00, 16);
    private static readonly byte[] TokenKey = Sequence(0xa0, 32);
    private static readonly Guid Uid = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");

    private static readonly byte[] Kek = Convert.FromHexString("ec56f0bfc2d983ba3a5a42c5e8f9af39a60d85369c2efef1608e270fff25e0f4");
    private static readonly byte[] Verifier = Convert.FromHexString("f801bbd4b59bd2147f27afea296509374e62d230bcaba14ef1299c16ce2eb8a8");
    private static readonly byte[] Wrapped = Convert.FromHexString(
        "b0b1b2b3b4b5b6b7b8b9babb057eece0f8c1d4e26c9c6d64c08ed68a9ec64a7a1648ce8780c37af989972c82541e0001966c0b65545f2ff710366f9e");

    private static readonly byte[] PublicPlain = Convert.FromHexString("020000000000000008000000040000000000000003000000020000006b31");
    // AAD = "cloudhsm object v1" || uid || isPrivate || SHA-256(plain), SHA-256(plain) =
    // 465b46bc2b81e53bc8e7dbc7b68e50a7285bd686683f7ab57fabd0aa784fd3a0 (non-private), df3f6198…1119 (private, 00000000).
    private static readonly byte[] PublicSealed = Convert.FromHexString(
        "01c0c1c2c3c4c5c6c7c8c9cacb4d603bf32fc0e285ce4693cc21b5c6762419d5d29cdab452aa85aa630a98ed0396d1c986c3db63f49095eefabab6d8effabafc231cd7bccbaaa7ac11");
    private static readonly byte[] PrivateSealed = Convert.FromHexString(
        "01c0c1c2c3c4c5c6c7c8c9cacb4f603bf33ec0e285e64693ccf56414a5f0cc030546036e89775874bceb680fe072142f612be258cdafacd5c32cfd672da78c32969efe58b83e542a1f3425c96a294365b582dbda693e134878307ff7ac9a4ada89a9");

    /// <summary>The non-private vector sealed with the AAD <i>without</i> the plain digest (the draft of v1 before
    /// the plain part was bound): same ciphertext, other tag. Must not open.</summary>
    private static readonly byte[] PublicSealedUnboundAad = Convert.FromHexString(
        "01c0c1c2c3c4c5c6c7c8c9cacb4d603bf32fc0e285ce4693cc21b5c6762419d5d29cdab452aa85aa630a98ed0396d1c986c3db63f49095eefa17b616edc25ec843a8fef73ed36d0323");

    [Test]
    public void DeriveKeys_MatchesTheVector()
    {
        var kek = new byte[32];
        var verifier = new byte[32];

        PinKeyDerivation.DeriveKeys(PinBytes, Salt, 1000, kek, verifier);

        Assert.That(kek, Is.EqualTo(Kek));
        Assert.That(verifier, Is.EqualTo(Verifier));
    }

    [Test]
    public void TryUnlock_OpensTheVectorPinRecord()
    {
        var record = new PinRecord(Salt, 1000, Verifier, Wrapped);

        Assert.That(PinKeyDerivation.TryUnlock(record, PinBytes, Serial, out byte[]? key), Is.True);
        Assert.That(key, Is.EqualTo(TokenKey));
    }

    [Test]
    public void UidBytes_AreInRfc9562Order()
    {
        Assert.That(StorageScheme.UidBytes(Uid), Is.EqualTo(Convert.FromHexString("00112233445566778899aabbccddeeff")));
        Assert.That(StorageScheme.UidFromBytes(StorageScheme.UidBytes(Uid)), Is.EqualTo(Uid));
    }

    [Test]
    public void Open_TheVectorNonPrivateObject()
    {
        var opened = ObjectSealer.Open(new ObjectRecord(Uid, false, PublicPlain, PublicSealed), TokenKey);

        Assert.That(opened.Attributes.Select(a => a.Key), Is.EqualTo(new[] { CKA.CKA_CLASS, CKA.CKA_LABEL, CKA.CKA_VALUE }));
        Assert.That(opened.Attributes[1].Value, Is.EqualTo("k1"u8.ToArray()));
        Assert.That(opened.Attributes[2].Value, Is.EqualTo(Sequence(0xd0, 32)));
    }

    [Test]
    public void Open_TheVectorNonPrivateObject_WithItsLabelChanged_IsDeviceError()
    {
        // "k1" -> "k2": the plain list still decodes, so only the AAD can catch it.
        byte[] plain = (byte[])PublicPlain.Clone();
        plain[^1] = (byte)'2';

        Assert.That(() => ObjectSealer.Open(new ObjectRecord(Uid, false, plain, PublicSealed), TokenKey), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
        Assert.That(ObjectSealer.Open(new ObjectRecord(Uid, false, plain, PublicSealed), null).SealedPartPending, Is.True,
            "without the key the plain part cannot be checked yet");
    }

    [Test]
    public void Open_AVectorSealedWithoutThePlainDigest_IsDeviceError()
    {
        Assert.That(() => ObjectSealer.Open(new ObjectRecord(Uid, false, PublicPlain, PublicSealedUnboundAad), TokenKey),
            ThrowsCkr(CKR.CKR_DEVICE_ERROR));
    }

    [Test]
    public void Open_TheVectorPrivateObject()
    {
        var opened = ObjectSealer.Open(new ObjectRecord(Uid, true, [0, 0, 0, 0], PrivateSealed), TokenKey);

        Assert.That(opened.Attributes.Select(a => a.Key), Is.EqualTo(new[] { CKA.CKA_CLASS, CKA.CKA_PRIVATE, CKA.CKA_VALUE }));
        Assert.That(opened.Attributes[2].Value, Is.EqualTo(Sequence(0xd0, 32)));
    }

    [Test]
    public void Seal_ProducesWhatTheVectorDescribes()
    {
        // Same inputs as the vector; only the random nonce differs, so compare the layout and open it back.
        var record = ObjectSealer.Seal(Uid, false,
            [Attr(CKA.CKA_CLASS, 4UL), Attr(CKA.CKA_LABEL, "k1"), Attr(CKA.CKA_VALUE, Sequence(0xd0, 32))], IsSecret, TokenKey);

        Assert.That(record.PlainAttributes, Is.EqualTo(PublicPlain));
        Assert.That(record.SealedAttributes, Has.Length.EqualTo(PublicSealed.Length));
        Assert.That(record.SealedAttributes[0], Is.EqualTo(PublicSealed[0]));
        Assert.That(ObjectSealer.Open(record, TokenKey).Attributes[2].Value, Is.EqualTo(Sequence(0xd0, 32)));
    }

    [Test]
    public void Seal_WithTheVectorNonce_IsByteForByteTheVector()
    {
        // The sealer draws its own nonce, so take the one it drew and rebuild the envelope from the document's
        // definition (AAD written out byte by byte, SHA-256 of the plain part from the vector): this pins the
        // AAD that Seal builds, where the Open tests above pin the one Open builds.
        var record = ObjectSealer.Seal(Uid, false,
            [Attr(CKA.CKA_CLASS, 4UL), Attr(CKA.CKA_LABEL, "k1"), Attr(CKA.CKA_VALUE, Sequence(0xd0, 32))], IsSecret, TokenKey);
        byte[] nonce = record.SealedAttributes[1..13];
        byte[] aad = [.. "cloudhsm object v1"u8, .. Convert.FromHexString("00112233445566778899aabbccddeeff"), 0x00,
            .. Convert.FromHexString("465b46bc2b81e53bc8e7dbc7b68e50a7285bd686683f7ab57fabd0aa784fd3a0")];
        byte[] clear = [1, 0, 0, 0, 0x11, 0, 0, 0, 32, 0, 0, 0, .. Sequence(0xd0, 32)]; // AttributeCodec([CKA_VALUE])
        var expected = new byte[1 + 12 + clear.Length + 16];
        expected[0] = 0x01;
        nonce.CopyTo(expected, 1);
        using (var gcm = new System.Security.Cryptography.AesGcm(TokenKey, 16))
            gcm.Encrypt(nonce, clear, expected.AsSpan(13, clear.Length), expected.AsSpan(13 + clear.Length, 16), aad);

        Assert.That(record.SealedAttributes, Is.EqualTo(expected));
    }
}
