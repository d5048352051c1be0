using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Mac;

/// <summary>CKM_GENERIC_SECRET_KEY_GEN: CKA_VALUE_LEN random bytes, a local generated key, and the refusals.</summary>
public class GenericSecretKeyGenTests : MacFixture
{
    private static readonly Mechanism KeyGen = new(CKM.CKM_GENERIC_SECRET_KEY_GEN);

    private static Template Request(ulong? length, params TemplateAttribute[] extra)
    {
        var attributes = new List<TemplateAttribute>
        {
            TemplateAttribute.Bool(CKA.CKA_SENSITIVE, false),
            TemplateAttribute.Bool(CKA.CKA_SIGN, true),
            TemplateAttribute.Bool(CKA.CKA_VERIFY, true),
        };
        if (length is ulong n)
            attributes.Add(TemplateAttribute.ULong(CKA.CKA_VALUE_LEN, n));
        attributes.RemoveAll(a => extra.Any(e => e.Type == a.Type));
        attributes.AddRange(extra);
        return new Template(attributes);
    }

    [TestCase(1UL)]
    [TestCase(32UL)]
    [TestCase(512UL)]
    public void Generates_a_local_generic_secret_of_the_asked_length(ulong length)
    {
        ulong key = Backend.GenerateKey(Session, KeyGen, Request(length));
        Assert.That(Read(key, CKA.CKA_VALUE), Has.Length.EqualTo((int)length));
        Assert.That(ReadULong(key, CKA.CKA_VALUE_LEN), Is.EqualTo(length));
        Assert.That(ReadULong(key, CKA.CKA_KEY_TYPE), Is.EqualTo((ulong)CKK.CKK_GENERIC_SECRET));
        Assert.That(ReadBool(key, CKA.CKA_LOCAL), Is.True);
        Assert.That(ReadULong(key, CKA.CKA_KEY_GEN_MECHANISM), Is.EqualTo((ulong)CKM.CKM_GENERIC_SECRET_KEY_GEN));
        byte[] data = [1, 2, 3];
        byte[] mac = Sign(new Mechanism(CKM.CKM_SHA256_HMAC), key, data);
        Assert.That(mac, Is.EqualTo(System.Security.Cryptography.HMACSHA256.HashData(Read(key, CKA.CKA_VALUE), data)), "the key MACs");
    }

    [Test]
    public void Two_keys_differ()
    {
        ulong a = Backend.GenerateKey(Session, KeyGen, Request(32)), b = Backend.GenerateKey(Session, KeyGen, Request(32));
        Assert.That(Read(a, CKA.CKA_VALUE), Is.Not.EqualTo(Read(b, CKA.CKA_VALUE)));
    }

    [Test]
    public void A_sensitive_key_is_always_sensitive()
    {
        ulong key = Backend.GenerateKey(Session, KeyGen, Request(32, TemplateAttribute.Bool(CKA.CKA_SENSITIVE, true)));
        Assert.That(ReadBool(key, CKA.CKA_ALWAYS_SENSITIVE), Is.True);
    }

    [Test]
    public void Refusals()
    {
        Assert.That(Rv(() => Backend.GenerateKey(Session, KeyGen, Request(null))), Is.EqualTo(CKR.CKR_TEMPLATE_INCOMPLETE), "no CKA_VALUE_LEN");
        Assert.That(Rv(() => Backend.GenerateKey(Session, KeyGen, Request(0))), Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID), "0 bytes");
        Assert.That(Rv(() => Backend.GenerateKey(Session, KeyGen, Request(513))), Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID), "513 bytes");
        Assert.That(Rv(() => Backend.GenerateKey(Session, KeyGen, Request(16, TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)CKK.CKK_AES)))),
            Is.EqualTo(CKR.CKR_TEMPLATE_INCONSISTENT), "an AES key type");
        Assert.That(Rv(() => Backend.GenerateKey(Session, KeyGen, Request(16, new TemplateAttribute(CKA.CKA_VALUE, new byte[16])))),
            Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY), "a CKA_VALUE");
        Assert.That(Rv(() => Backend.GenerateKey(Session, new Mechanism(CKM.CKM_GENERIC_SECRET_KEY_GEN, new ByteArrayParameter([1])), Request(16))),
            Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "a parameter");
        var info = Backend.GetMechanismInfo(SlotId, CKM.CKM_GENERIC_SECRET_KEY_GEN);
        Assert.That((info.MinKeySize, info.MaxKeySize, info.Flags), Is.EqualTo((8UL, 4096UL, CKF.CKF_GENERATE)), "bits, as the spec says");
    }
}
