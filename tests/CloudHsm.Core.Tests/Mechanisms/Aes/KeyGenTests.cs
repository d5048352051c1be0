using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Mechanisms.Aes;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Aes;

/// <summary>CKM_AES_KEY_GEN and CKM_DES3_KEY_GEN through C_GenerateKey.</summary>
public class KeyGenTests : AesFixture
{
    private static Template Secret(params TemplateAttribute[] extra) => new(
    [
        TemplateAttribute.Bool(CKA.CKA_ENCRYPT, true),
        TemplateAttribute.Bool(CKA.CKA_DECRYPT, true),
        TemplateAttribute.Bool(CKA.CKA_SENSITIVE, false),
        .. extra,
    ]);

    private byte[] Read(ulong h, CKA type) => Backend.GetAttributeValue(Session, h, [type])[0].Value!;

    [TestCase(16ul)]
    [TestCase(24ul)]
    [TestCase(32ul)]
    public void AES_key_of_each_length_works_and_has_its_check_value(ulong length)
    {
        ulong h = Backend.GenerateKey(Session, M(CKM.CKM_AES_KEY_GEN), Secret(TemplateAttribute.ULong(CKA.CKA_VALUE_LEN, length)));
        byte[] value = Read(h, CKA.CKA_VALUE);
        Assert.That(value, Has.Length.EqualTo((int)length));
        Assert.That(AttributeValues.ToULong(CKA.CKA_KEY_TYPE, Read(h, CKA.CKA_KEY_TYPE)), Is.EqualTo((ulong)CKK.CKK_AES));
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = value;
        byte[] zero = aes.EncryptEcb(new byte[16], System.Security.Cryptography.PaddingMode.None);
        Assert.That(Read(h, CKA.CKA_CHECK_VALUE), Is.EqualTo(zero[..3]));
        Assert.That(Read(h, CKA.CKA_LOCAL), Is.EqualTo(new byte[] { 1 }));
        Assert.That(Encrypt(M(CKM.CKM_AES_ECB), h, new byte[16]), Is.EqualTo(zero));
        ulong other = Backend.GenerateKey(Session, M(CKM.CKM_AES_KEY_GEN), Secret(TemplateAttribute.ULong(CKA.CKA_VALUE_LEN, length)));
        Assert.That(Read(other, CKA.CKA_VALUE), Is.Not.EqualTo(value));
    }

    [TestCase(0ul)]
    [TestCase(8ul)]
    [TestCase(20ul)]
    [TestCase(64ul)]
    public void Other_AES_lengths_are_CKR_ATTRIBUTE_VALUE_INVALID(ulong length) => // §5.18 lists no CKR_KEY_SIZE_RANGE for C_GenerateKey
        Assert.That(Fails(() => Backend.GenerateKey(Session, M(CKM.CKM_AES_KEY_GEN), Secret(TemplateAttribute.ULong(CKA.CKA_VALUE_LEN, length)))),
            Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID));

    [Test]
    public void AES_without_CKA_VALUE_LEN_is_CKR_TEMPLATE_INCOMPLETE() =>
        Assert.That(Fails(() => Backend.GenerateKey(Session, M(CKM.CKM_AES_KEY_GEN), Secret())), Is.EqualTo(CKR.CKR_TEMPLATE_INCOMPLETE));

    [Test]
    public void Key_generation_takes_no_parameter() =>
        Assert.That(Fails(() => Backend.GenerateKey(Session, M(CKM.CKM_AES_KEY_GEN, new byte[4]), Secret(TemplateAttribute.ULong(CKA.CKA_VALUE_LEN, 16)))),
            Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));

    [Test]
    public void DES3_key_has_odd_parity_and_works()
    {
        ulong h = Backend.GenerateKey(Session, M(CKM.CKM_DES3_KEY_GEN), Secret());
        byte[] value = Read(h, CKA.CKA_VALUE);
        Assert.That(value, Has.Length.EqualTo(24));
        Assert.That(value.All(b => System.Numerics.BitOperations.PopCount(b) % 2 == 1), Is.True, "odd parity");
        Assert.That(value[..8], Is.Not.EqualTo(value[8..16]));
        Assert.That(AttributeValues.ToULong(CKA.CKA_KEY_TYPE, Read(h, CKA.CKA_KEY_TYPE)), Is.EqualTo((ulong)CKK.CKK_DES3));
        byte[] iv = new byte[8];
        byte[] cipher = Encrypt(M(CKM.CKM_DES3_CBC_PAD, iv), h, [1, 2, 3]);
        Assert.That(Decrypt(M(CKM.CKM_DES3_CBC_PAD, iv), h, cipher), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(Read(h, CKA.CKA_CHECK_VALUE), Has.Length.EqualTo(3));
    }

    [Test]
    public void Odd_parity_is_set_per_byte()
    {
        for (int b = 0; b < 256; b++)
        {
            byte p = Des3KeyGenMechanism.WithOddParity((byte)b);
            Assert.That(System.Numerics.BitOperations.PopCount(p) % 2, Is.EqualTo(1), $"{b:X2}");
            Assert.That(p & 0xFE, Is.EqualTo(b & 0xFE));
        }
    }

    [Test]
    public void DES3_with_CKA_VALUE_LEN_is_refused() =>
        Assert.That(Fails(() => Backend.GenerateKey(Session, M(CKM.CKM_DES3_KEY_GEN), Secret(TemplateAttribute.ULong(CKA.CKA_VALUE_LEN, 24)))),
            Is.AnyOf(CKR.CKR_TEMPLATE_INCONSISTENT, CKR.CKR_ATTRIBUTE_TYPE_INVALID));
}
