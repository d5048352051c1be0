using System.Buffers.Binary;
using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Mac.Kdf;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace CloudHsm.Core.Tests.Mechanisms.Mac;

/// <summary>
/// CKM_SP800_108_COUNTER_KDF with CK_DERIVED_KEY entries (§6.42 "Deriving Additional Keys"): one PRF stream,
/// the primary key first, each key on its own segments, [L] the sum of the keys or of the segments, all keys
/// or none. The stream is computed independently with BouncyCastle's KdfCounterBytesGenerator.
/// </summary>
public class Sp800108AdditionalKeysTests : MacFixture
{
    private static readonly byte[] KdfLabel = [0xde, 0xad, 0xbe, 0xef];

    private static Mechanism Counter(ulong dkmMethod, params Template[] additional) =>
        new(CKM.CKM_SP800_108_COUNTER_KDF, new Sp800108KdfParameter((ulong)CKM.CKM_SHA256_HMAC,
            [new PrfIterationVariable(false, 16), new PrfByteArray(KdfLabel), new PrfDkmLength(dkmMethod, false, 32)], additional));

    /// <summary>BouncyCastle's counter KDF: [i]16 || Label || [L]32 (big-endian), <paramref name="length"/> bytes.</summary>
    private static byte[] Stream(byte[] key, uint dkmBits, int length)
    {
        byte[] l = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(l, dkmBits);
        var generator = new KdfCounterBytesGenerator(new HMac(new Sha256Digest()));
        generator.Init(new KdfCounterParameters(key, [], [.. KdfLabel, .. l], 16));
        var output = new byte[length];
        generator.GenerateBytes(output, 0, length);
        return output;
    }

    [TestCase(PrfDkmLength.SumOfKeys, 96 * 8)]
    [TestCase(PrfDkmLength.SumOfSegments, 128 * 8)]
    public void Each_key_is_its_own_segments_of_one_stream(ulong method, int dkmBits)
    {
        // §6.42's example plus one: a 48-byte key (segments 1-2), 16 bytes (segment 3), 32 bytes (segment 4).
        byte[] key = RandomNumberGenerator.GetBytes(32);
        byte[] stream = Stream(key, (uint)dkmBits, 4 * 32);
        var derived = Backend.DeriveKey(Session, Counter(method, Derived(length: 16), Derived(CKK.CKK_AES, 32)), Generic(key), Derived(length: 48));

        Assert.That(derived.AdditionalKeys, Has.Count.EqualTo(2));
        Assert.That(Read(derived.Key, CKA.CKA_VALUE), Is.EqualTo(stream[..48]), "the primary key");
        Assert.That(Read(derived.AdditionalKeys[0], CKA.CKA_VALUE), Is.EqualTo(stream[64..80]), "the first additional key");
        Assert.That(Read(derived.AdditionalKeys[1], CKA.CKA_VALUE), Is.EqualTo(stream[96..128]), "the second additional key");
        Assert.That(ReadULong(derived.AdditionalKeys[1], CKA.CKA_KEY_TYPE), Is.EqualTo((ulong)CKK.CKK_AES));
        Assert.That(derived.AdditionalKeys.Distinct().Count() == 2 && !derived.AdditionalKeys.Contains(derived.Key), Is.True);
    }

    [Test]
    public void A_bad_additional_template_creates_no_key_and_is_named()
    {
        ulong baseKey = Generic(RandomNumberGenerator.GetBytes(32));
        int before = FindAll(Session, new Template([])).Length;
        var badLength = Counter(PrfDkmLength.SumOfKeys, Derived(length: 16), Derived(CKK.CKK_AES, 17));
        var e = Assert.Throws<AdditionalKeyTemplateException>(() => Backend.DeriveKey(Session, badLength, baseKey, Derived(length: 32)))!;
        Assert.That((e.Rv, e.Index), Is.EqualTo((CKR.CKR_ATTRIBUTE_VALUE_INVALID, 1)));

        var dataObject = Counter(PrfDkmLength.SumOfKeys,
            Derived(length: 16, extra: TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_DATA)), Derived(length: 16));
        e = Assert.Throws<AdditionalKeyTemplateException>(() => Backend.DeriveKey(Session, dataObject, baseKey, Derived(length: 32)))!;
        Assert.That((e.Rv, e.Index), Is.EqualTo((CKR.CKR_TEMPLATE_INCONSISTENT, 0)));

        var tokenKeys = Counter(PrfDkmLength.SumOfKeys, Derived(length: 16, extra: TemplateAttribute.Bool(CKA.CKA_TOKEN, true)),
            Derived(length: 16, extra: TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_DATA)));
        Assert.That(Rv(() => Backend.DeriveKey(Session, tokenKeys, baseKey, Derived(length: 32, extra: TemplateAttribute.Bool(CKA.CKA_TOKEN, true)))),
            Is.EqualTo(CKR.CKR_TEMPLATE_INCONSISTENT));
        Assert.That(FindAll(Session, new Template([])), Has.Length.EqualTo(before), "no key was created");
    }

    [Test]
    public void A_fault_in_the_primary_template_is_not_an_additional_keys()
    {
        ulong baseKey = Generic(RandomNumberGenerator.GetBytes(32));
        var e = Assert.Catch<CkrException>(() => Backend.DeriveKey(Session, Counter(PrfDkmLength.SumOfKeys, Derived(length: 16)), baseKey, Derived()))!;
        Assert.That((e.Rv, e is AdditionalKeyTemplateException), Is.EqualTo((CKR.CKR_TEMPLATE_INCOMPLETE, false)));
    }

    [Test]
    public void All_keys_together_must_fit_the_counter()
    {
        ulong baseKey = Generic(RandomNumberGenerator.GetBytes(32));
        var r8 = new Mechanism(CKM.CKM_SP800_108_COUNTER_KDF, new Sp800108KdfParameter((ulong)CKM.CKM_SHA256_HMAC,
            [new PrfIterationVariable(false, 8)], [Derived(length: 1)]));
        Assert.That(Backend.DeriveKey(Session, r8, baseKey, Derived(length: 254 * 32)).AdditionalKeys, Has.Count.EqualTo(1), "255 blocks");
        Assert.That(Rv(() => Backend.DeriveKey(Session, r8, baseKey, Derived(length: 254 * 32 + 1))), Is.EqualTo(CKR.CKR_KEY_SIZE_RANGE), "256 blocks");
    }
}
