using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Wrapping;
using CloudHsm.Core.Objects;
using CloudHsm.Core.Tests.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Wrapping;

/// <summary>A cipher as a key wrapper (<see cref="CipherKeyWrap"/>), over the test cipher: round trips, the
/// unwrapped key's history, and the cipher's errors in C_WrapKey / C_UnwrapKey terms.</summary>
public class CipherKeyWrapTests
{
    private static readonly Mechanism AnyMechanism = new(CKM.CKM_VENDOR_DEFINED + 1);
    private static readonly CipherKeyWrap Wrapper = new(new XorTestCipher(CKF.CKF_WRAP | CKF.CKF_UNWRAP, blockSize: 8));
    private static readonly CipherKeyWrap ByteWrapper = new(new XorTestCipher(CKF.CKF_WRAP | CKF.CKF_UNWRAP));
    private static readonly CipherKeyWrap ZeroPadWrapper = new(new XorTestCipher(CKF.CKF_WRAP | CKF.CKF_UNWRAP, blockSize: 8, zeroPad: true));

    private readonly HsmObject _kek = WrapKeys.Aes(RandomNumberGenerator.GetBytes(32));

    private static byte[] Wrap(CipherKeyWrap wrapper, HsmObject kek, HsmObject key)
    {
        var output = new byte[wrapper.WrappedLength(AnyMechanism, kek, key)];
        int n = wrapper.Wrap(AnyMechanism, kek, key, output);
        return output[..n];
    }

    private static HsmObject Unwrap(CipherKeyWrap wrapper, HsmObject kek, byte[] wrapped, Template template) =>
        wrapper.Unwrap(AnyMechanism, kek, wrapped, template, ObjectContext.User);

    [Test]
    public void AesKeyRoundTripsAsAKeyFromOutside()
    {
        var key = WrapKeys.Aes(RandomNumberGenerator.GetBytes(24));
        byte[] wrapped = Wrap(Wrapper, _kek, key);

        var unwrapped = Unwrap(Wrapper, _kek, wrapped, WrapKeys.UnwrapTemplate(CKO.CKO_SECRET_KEY, CKK.CKK_AES,
            T.Bool(CKA.CKA_SENSITIVE, true), T.Bool(CKA.CKA_EXTRACTABLE, false)));

        Assert.Multiple(() =>
        {
            Assert.That(unwrapped.GetValue(CKA.CKA_VALUE).ToArray(), Is.EqualTo(WrapKeys.Value(key, CKA.CKA_VALUE)));
            Assert.That(unwrapped.GetULong(CKA.CKA_VALUE_LEN), Is.EqualTo(24UL));
            Assert.That(unwrapped.GetBool(CKA.CKA_LOCAL, whenAbsent: true), Is.False, "CKA_LOCAL");
            Assert.That(unwrapped.GetBool(CKA.CKA_ALWAYS_SENSITIVE, whenAbsent: true), Is.False, "CKA_ALWAYS_SENSITIVE");
            Assert.That(unwrapped.GetBool(CKA.CKA_NEVER_EXTRACTABLE, whenAbsent: true), Is.False, "CKA_NEVER_EXTRACTABLE");
            Assert.That(unwrapped.GetValue(CKA.CKA_CHECK_VALUE).ToArray(), Is.EqualTo(WrapKeys.Value(key, CKA.CKA_CHECK_VALUE)));
        });
    }

    [Test]
    public void RsaPrivateKeyRoundTrips()
    {
        using var rsa = RSA.Create(2048);
        var key = WrapKeys.Rsa(rsa.ExportParameters(true));
        var unwrapped = Unwrap(ByteWrapper, _kek, Wrap(ByteWrapper, _kek, key),
            WrapKeys.UnwrapTemplate(CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA));
        foreach (var type in (CKA[])[CKA.CKA_MODULUS, CKA.CKA_PRIVATE_EXPONENT, CKA.CKA_COEFFICIENT])
            Assert.That(unwrapped.GetValue(type).ToArray(), Is.EqualTo(WrapKeys.Value(key, type)), type.ToString());
    }

    [Test]
    public void ZeroPaddedSecretIsTrimmedByValueLen()
    {
        var key = WrapKeys.Secret(CKK.CKK_GENERIC_SECRET, RandomNumberGenerator.GetBytes(20));
        byte[] wrapped = Wrap(ZeroPadWrapper, _kek, key);
        Assert.That(wrapped, Has.Length.EqualTo(1 + 24), "the test cipher padded 20 bytes to 24");

        var unwrapped = Unwrap(ZeroPadWrapper, _kek, wrapped, WrapKeys.UnwrapTemplate(CKO.CKO_SECRET_KEY, CKK.CKK_GENERIC_SECRET,
            T.ULong(CKA.CKA_VALUE_LEN, 20)));

        Assert.That(unwrapped.GetValue(CKA.CKA_VALUE).ToArray(), Is.EqualTo(WrapKeys.Value(key, CKA.CKA_VALUE)));
    }

    [Test]
    public void KeyTheCipherCannotTakeWholeIsKeySizeRange()
    {
        var key = WrapKeys.Secret(CKK.CKK_GENERIC_SECRET, new byte[20]); // the cipher wants whole 8-byte blocks
        Assert.That(Rv(() => Wrapper.WrappedLength(AnyMechanism, _kek, key)), Is.EqualTo(CKR.CKR_KEY_SIZE_RANGE));
        Assert.That(Rv(() => Wrapper.Wrap(AnyMechanism, _kek, key, new byte[64])), Is.EqualTo(CKR.CKR_KEY_SIZE_RANGE));
    }

    [Test]
    public void WrongKeyTypeForTheCipherIsWrappingKeyTypeInconsistent()
    {
        var notAes = WrapKeys.Secret(CKK.CKK_GENERIC_SECRET, new byte[32]);
        var key = WrapKeys.Aes(new byte[16]);
        Assert.That(Rv(() => Wrapper.WrappedLength(AnyMechanism, notAes, key)), Is.EqualTo(CKR.CKR_WRAPPING_KEY_TYPE_INCONSISTENT));
        Assert.That(Rv(() => Unwrap(Wrapper, notAes, new byte[17], WrapKeys.UnwrapTemplate(CKO.CKO_SECRET_KEY, CKK.CKK_AES))),
            Is.EqualTo(CKR.CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT));
    }

    [Test]
    public void DamagedCiphertextIsWrappedKeyInvalid()
    {
        byte[] wrapped = Wrap(Wrapper, _kek, WrapKeys.Aes(new byte[16]));
        wrapped[5] ^= 1;
        Assert.That(Rv(() => Unwrap(Wrapper, _kek, wrapped, WrapKeys.UnwrapTemplate(CKO.CKO_SECRET_KEY, CKK.CKK_AES))),
            Is.EqualTo(CKR.CKR_WRAPPED_KEY_INVALID));
    }

    [Test]
    public void CiphertextOfTheWrongLengthIsWrappedKeyLenRange()
    {
        byte[] wrapped = Wrap(Wrapper, _kek, WrapKeys.Aes(new byte[16]));
        Assert.That(Rv(() => Unwrap(Wrapper, _kek, wrapped[..^1], WrapKeys.UnwrapTemplate(CKO.CKO_SECRET_KEY, CKK.CKK_AES))),
            Is.EqualTo(CKR.CKR_WRAPPED_KEY_LEN_RANGE));
    }

    [Test]
    public void PrivateKeyUnwrappedAsAnotherTypeIsTemplateInconsistent()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var key = WrapKeys.Ec("1.2.840.10045.3.1.7", ec.ExportParameters(true).D!);
        byte[] wrapped = Wrap(ByteWrapper, _kek, key);
        Assert.That(Rv(() => Unwrap(ByteWrapper, _kek, wrapped, WrapKeys.UnwrapTemplate(CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA))),
            Is.EqualTo(CKR.CKR_TEMPLATE_INCONSISTENT));
    }

    [Test]
    public void SecretBytesUnwrappedAsPrivateKeyAreWrappedKeyInvalid()
    {
        byte[] wrapped = Wrap(Wrapper, _kek, WrapKeys.Aes(RandomNumberGenerator.GetBytes(32)));
        Assert.That(Rv(() => Unwrap(Wrapper, _kek, wrapped, WrapKeys.UnwrapTemplate(CKO.CKO_PRIVATE_KEY, CKK.CKK_EC))),
            Is.EqualTo(CKR.CKR_WRAPPED_KEY_INVALID));
    }

    [Test]
    public void UnwrapTemplateMayNotGiveTheKeyMaterial()
    {
        byte[] wrapped = Wrap(Wrapper, _kek, WrapKeys.Aes(new byte[16]));
        Assert.That(Rv(() => Unwrap(Wrapper, _kek, wrapped, WrapKeys.UnwrapTemplate(CKO.CKO_SECRET_KEY, CKK.CKK_AES,
            T.Bytes(CKA.CKA_VALUE, new byte[16])))), Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY));
    }

    private static CKR Rv(TestDelegate call) => Assert.Catch<CkrException>(call)!.Rv;
}
