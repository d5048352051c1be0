using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Rsa;
using CloudHsm.Core.Tests.Embedded;
using CloudHsm.Core.Tests.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Wrapping;

/// <summary>C_WrapKey / C_UnwrapKey through the embedded backend with the real wrap ciphers: round trips
/// (secret keys, PKCS#8 private keys that sign afterwards, RSA-OAEP) and every rule with its code.</summary>
public class WrapUnwrapBackendTests : EmbeddedBackendFixture
{
    private static readonly Mechanism Kwp = new(CKM.CKM_AES_KEY_WRAP_KWP);
    private static readonly Mechanism KwPad = new(CKM.CKM_AES_KEY_WRAP_PAD);
    private static readonly Mechanism Kw = new(CKM.CKM_AES_KEY_WRAP);
    private static readonly byte[] P256 = WrapKeys.NamedCurve("1.2.840.10045.3.1.7");
    private static readonly byte[] Message = "the message to sign"u8.ToArray();

    private ulong _session;

    [SetUp]
    public void LogIn()
    {
        _session = OpenRw();
        Backend.Login(_session, CKU.CKU_USER, UserPin);
    }

    private ulong Aes(int bytes = 32, params TemplateAttribute[] extra) => Backend.GenerateKey(_session, new Mechanism(CKM.CKM_AES_KEY_GEN),
        T.Of([T.ULong(CKA.CKA_VALUE_LEN, (ulong)bytes), .. extra]));

    private (ulong Public, ulong Private) Rsa() => Backend.GenerateKeyPair(_session, new Mechanism(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN),
        T.Of(T.ULong(CKA.CKA_MODULUS_BITS, 2048)), T.Of(T.Bool(CKA.CKA_EXTRACTABLE, true)));

    private (ulong Public, ulong Private) Ec() => Backend.GenerateKeyPair(_session, new Mechanism(CKM.CKM_EC_KEY_PAIR_GEN),
        T.Of(T.Bytes(CKA.CKA_EC_PARAMS, P256)), T.Of(T.Bool(CKA.CKA_EXTRACTABLE, true)));

    private byte[] Wrap(Mechanism mechanism, ulong kek, ulong key)
    {
        int length = Backend.WrapKey(_session, mechanism, kek, key, default, sizeQuery: true);
        var output = new byte[length];
        int written = Backend.WrapKey(_session, mechanism, kek, key, output, sizeQuery: false);
        return output[..written];
    }

    private ulong Unwrap(Mechanism mechanism, ulong kek, byte[] wrapped, params TemplateAttribute[] template) =>
        Backend.UnwrapKey(_session, mechanism, kek, wrapped, T.Of(template));

    private byte[] Read(ulong obj, CKA type) => Backend.GetAttributeValue(_session, obj, [type])[0].Value!;

    private bool ReadBool(ulong obj, CKA type) => Read(obj, type) is [1];

    private byte[] Sign(Mechanism mechanism, ulong key)
    {
        Backend.SignInit(_session, mechanism, key);
        var signature = new byte[Backend.Sign(_session, Message, default, sizeQuery: true)];
        int n = Backend.Sign(_session, Message, signature, sizeQuery: false);
        return signature[..n];
    }

    private void Verify(Mechanism mechanism, ulong key, byte[] signature)
    {
        Backend.VerifyInit(_session, mechanism, key);
        Backend.Verify(_session, Message, signature);
    }

    private static TemplateAttribute[] SecretTemplate(CKK keyType) => [T.Class(CKO.CKO_SECRET_KEY), T.KeyType(keyType)];

    private static TemplateAttribute[] PrivateTemplate(CKK keyType) => [T.Class(CKO.CKO_PRIVATE_KEY), T.KeyType(keyType), T.Bool(CKA.CKA_SIGN, true)];

    // --- round trips ---------------------------------------------------------------------------------

    [Test]
    public void AesKeyWrappedWithKwpUnwrapsToTheSameKeyFromOutside()
    {
        ulong kek = Aes(), key = Aes(24);
        byte[] wrapped = Wrap(Kwp, kek, key);
        Assert.That(wrapped, Has.Length.EqualTo(32), "RFC 5649: 24 bytes + 8");

        ulong unwrapped = Unwrap(Kwp, kek, wrapped, SecretTemplate(CKK.CKK_AES));

        Assert.Multiple(() =>
        {
            Assert.That(Read(unwrapped, CKA.CKA_CHECK_VALUE), Is.EqualTo(Read(key, CKA.CKA_CHECK_VALUE)), "same key (KCV)");
            Assert.That(Read(unwrapped, CKA.CKA_VALUE_LEN), Is.EqualTo(Read(key, CKA.CKA_VALUE_LEN)));
            Assert.That(ReadBool(unwrapped, CKA.CKA_LOCAL), Is.False, "CKA_LOCAL");
            Assert.That(ReadBool(unwrapped, CKA.CKA_ALWAYS_SENSITIVE), Is.False, "CKA_ALWAYS_SENSITIVE");
            Assert.That(ReadBool(unwrapped, CKA.CKA_NEVER_EXTRACTABLE), Is.False, "CKA_NEVER_EXTRACTABLE");
            Assert.That(ReadBool(key, CKA.CKA_LOCAL), Is.True, "the original was generated here");
        });
    }

    [Test]
    public void AesKeyWrapWithoutPaddingRoundTrips()
    {
        ulong kek = Aes(16), key = Aes(32);
        ulong unwrapped = Unwrap(Kw, kek, Wrap(Kw, kek, key), SecretTemplate(CKK.CKK_AES));
        Assert.That(Read(unwrapped, CKA.CKA_CHECK_VALUE), Is.EqualTo(Read(key, CKA.CKA_CHECK_VALUE)));
    }

    [TestCase(CKM.CKM_AES_KEY_WRAP_KWP)]
    [TestCase(CKM.CKM_AES_KEY_WRAP_PAD)]
    public void RsaPrivateKeyUnwrapsAsPkcs8AndSignsForTheOriginalPublicKey(CKM wrapMechanism)
    {
        ulong kek = Aes();
        var (publicKey, privateKey) = Rsa();
        var mechanism = new Mechanism(wrapMechanism);

        ulong unwrapped = Unwrap(mechanism, kek, Wrap(mechanism, kek, privateKey), PrivateTemplate(CKK.CKK_RSA));

        var sha256Rsa = new Mechanism(CKM.CKM_SHA256_RSA_PKCS);
        Assert.DoesNotThrow(() => Verify(sha256Rsa, publicKey, Sign(sha256Rsa, unwrapped)));
        Assert.That(Read(unwrapped, CKA.CKA_MODULUS), Is.EqualTo(Read(publicKey, CKA.CKA_MODULUS)));
    }

    [TestCase(CKM.CKM_AES_KEY_WRAP_KWP)]
    [TestCase(CKM.CKM_AES_KEY_WRAP_PAD)]
    public void EcPrivateKeyUnwrapsAsPkcs8AndSignsForTheOriginalPublicKey(CKM wrapMechanism)
    {
        ulong kek = Aes();
        var (publicKey, privateKey) = Ec();
        var mechanism = new Mechanism(wrapMechanism);

        ulong unwrapped = Unwrap(mechanism, kek, Wrap(mechanism, kek, privateKey), PrivateTemplate(CKK.CKK_EC));

        var ecdsa = new Mechanism(CKM.CKM_ECDSA_SHA256);
        Assert.DoesNotThrow(() => Verify(ecdsa, publicKey, Sign(ecdsa, unwrapped)));
        Assert.That(Read(unwrapped, CKA.CKA_EC_PARAMS), Is.EqualTo(P256));
    }

    [Test]
    public void RsaOaepWrapsAnAesKey()
    {
        var (publicKey, privateKey) = Rsa();
        ulong key = Aes();
        var oaep = new Mechanism(CKM.CKM_RSA_PKCS_OAEP, new RsaOaepParameter((ulong)CKM.CKM_SHA256, 0x2 /* CKG_MGF1_SHA256 */, 0x1, []));

        byte[] wrapped = Wrap(oaep, publicKey, key);
        Assert.That(wrapped, Has.Length.EqualTo(256));
        ulong unwrapped = Unwrap(oaep, privateKey, wrapped, SecretTemplate(CKK.CKK_AES));

        Assert.That(Read(unwrapped, CKA.CKA_CHECK_VALUE), Is.EqualTo(Read(key, CKA.CKA_CHECK_VALUE)));
    }

    [Test]
    public void SizeQueryThenShortBufferReportsTheLength()
    {
        ulong kek = Aes(), key = Aes(16);
        int length = Backend.WrapKey(_session, Kwp, kek, key, default, sizeQuery: true);
        var e = Assert.Throws<BufferTooSmallException>(() => Backend.WrapKey(_session, Kwp, kek, key, new byte[length - 1], sizeQuery: false));
        Assert.That(e!.RequiredLength, Is.EqualTo(length));
    }

    // --- rules ---------------------------------------------------------------------------------------

    [Test]
    public void MechanismWithoutWrapFlagIsMechanismInvalid()
    {
        ulong kek = Aes(), key = Aes();
        Assert.That(Rv(() => Backend.WrapKey(_session, new Mechanism(CKM.CKM_SHA256), kek, key, new byte[64], false)), Is.EqualTo(CKR.CKR_MECHANISM_INVALID));
        Assert.That(Rv(() => Backend.WrapKey(_session, new Mechanism(CKM.CKM_AES_CTR), kek, key, new byte[64], false)), Is.EqualTo(CKR.CKR_MECHANISM_INVALID));
        Assert.That(Rv(() => Unwrap(new Mechanism(CKM.CKM_AES_CTR), kek, new byte[40], SecretTemplate(CKK.CKK_AES))), Is.EqualTo(CKR.CKR_MECHANISM_INVALID));
    }

    [Test]
    public void UsageFlagsAreRequired()
    {
        ulong noWrap = Aes(32, T.Bool(CKA.CKA_WRAP, false), T.Bool(CKA.CKA_UNWRAP, false)), kek = Aes(), key = Aes();
        byte[] wrapped = Wrap(Kwp, kek, key);
        Assert.That(Rv(() => Wrap(Kwp, noWrap, key)), Is.EqualTo(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED));
        Assert.That(Rv(() => Unwrap(Kwp, noWrap, wrapped, SecretTemplate(CKK.CKK_AES))), Is.EqualTo(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED));
    }

    [Test]
    public void AllowedMechanismsAreHonoured()
    {
        ulong kek = Aes(32, new TemplateAttribute(CKA.CKA_ALLOWED_MECHANISMS, AttributeValues.FromULongArray([(ulong)CKM.CKM_AES_KEY_WRAP]))), key = Aes();
        Assert.That(Rv(() => Wrap(Kwp, kek, key)), Is.EqualTo(CKR.CKR_MECHANISM_INVALID));
        Assert.That(Wrap(Kw, kek, key), Has.Length.EqualTo(40));
    }

    [Test]
    public void InvalidHandlesHaveTheirOwnCodes()
    {
        ulong kek = Aes(), key = Aes();
        const ulong Missing = 0x7FFF_FFF1;
        Assert.That(Rv(() => Wrap(Kwp, Missing, key)), Is.EqualTo(CKR.CKR_WRAPPING_KEY_HANDLE_INVALID));
        Assert.That(Rv(() => Wrap(Kwp, kek, Missing)), Is.EqualTo(CKR.CKR_KEY_HANDLE_INVALID));
        Assert.That(Rv(() => Unwrap(Kwp, Missing, new byte[40], SecretTemplate(CKK.CKK_AES))), Is.EqualTo(CKR.CKR_UNWRAPPING_KEY_HANDLE_INVALID));
    }

    [Test]
    public void WrongKeyTypeForTheMechanismIsWrappingKeyTypeInconsistent()
    {
        var (publicKey, privateKey) = Rsa();
        ulong key = Aes();
        Assert.That(Rv(() => Wrap(Kwp, publicKey, key)), Is.EqualTo(CKR.CKR_WRAPPING_KEY_TYPE_INCONSISTENT));
        Assert.That(Rv(() => Unwrap(Kwp, privateKey, new byte[40], SecretTemplate(CKK.CKK_AES))), Is.EqualTo(CKR.CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT));
    }

    [Test]
    public void UnextractableKeyIsKeyUnextractable()
    {
        ulong kek = Aes(), key = Aes(32, T.Bool(CKA.CKA_EXTRACTABLE, false));
        Assert.That(Rv(() => Wrap(Kwp, kek, key)), Is.EqualTo(CKR.CKR_KEY_UNEXTRACTABLE));
    }

    [Test]
    public void PublicKeyIsNotWrappable()
    {
        var (publicKey, _) = Rsa();
        Assert.That(Rv(() => Wrap(Kwp, Aes(), publicKey)), Is.EqualTo(CKR.CKR_KEY_NOT_WRAPPABLE));
    }

    [Test]
    public void KeyTooLongForPlainKeyWrapIsKeySizeRange()
    {
        ulong key = Backend.GenerateKey(_session, new Mechanism(CKM.CKM_GENERIC_SECRET_KEY_GEN), T.Of(T.ULong(CKA.CKA_VALUE_LEN, 20)));
        Assert.That(Rv(() => Wrap(Kw, Aes(), key)), Is.EqualTo(CKR.CKR_KEY_SIZE_RANGE), "RFC 3394 wraps whole 8-byte semiblocks only");
    }

    [Test]
    public void WrapWithTrustedKeyNeedsATrustedWrappingKeyWhichOnlyTheSoMakes()
    {
        ulong untrusted = Aes(), key = Aes(32, T.Bool(CKA.CKA_WRAP_WITH_TRUSTED, true));
        Assert.That(Rv(() => Wrap(Kwp, untrusted, key)), Is.EqualTo(CKR.CKR_KEY_NOT_WRAPPABLE));

        // A public token KEK the SO can see; the user may not make it trusted, the SO may.
        ulong kek = Aes(32, T.Bool(CKA.CKA_TOKEN, true), T.Bool(CKA.CKA_PRIVATE, false));
        Assert.That(Rv(() => Backend.SetAttributeValue(_session, kek, T.Of(T.Bool(CKA.CKA_TRUSTED, true)))), Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY));
        Backend.Logout(_session);
        ulong so = OpenRw();
        Backend.Login(so, CKU.CKU_SO, SoPin);
        Backend.SetAttributeValue(so, kek, T.Of(T.Bool(CKA.CKA_TRUSTED, true)));
        Backend.Logout(so);
        Backend.Login(_session, CKU.CKU_USER, UserPin);
        key = Aes(32, T.Bool(CKA.CKA_WRAP_WITH_TRUSTED, true)); // the earlier session key went with the logout

        ulong unwrapped = Unwrap(Kwp, kek, Wrap(Kwp, kek, key), SecretTemplate(CKK.CKK_AES));
        Assert.That(Read(unwrapped, CKA.CKA_CHECK_VALUE), Is.EqualTo(Read(key, CKA.CKA_CHECK_VALUE)));
    }

    [Test]
    public void WrapTemplateMismatchIsKeyHandleInvalid()
    {
        var wrapTemplate = new TemplateAttribute(CKA.CKA_WRAP_TEMPLATE, AttributeCodec.Encode(T.Of(T.Text(CKA.CKA_LABEL, "payments"))));
        ulong kek = Aes(32, wrapTemplate);
        Assert.That(Wrap(Kwp, kek, Aes(32, T.Text(CKA.CKA_LABEL, "payments"))), Has.Length.EqualTo(40));
        Assert.That(Rv(() => Wrap(Kwp, kek, Aes(32, T.Text(CKA.CKA_LABEL, "other")))), Is.EqualTo(CKR.CKR_KEY_HANDLE_INVALID));
    }

    [Test]
    public void UnwrapTemplateJoinsTheTemplateAndConflictsAreInconsistent()
    {
        var unwrapTemplate = new TemplateAttribute(CKA.CKA_UNWRAP_TEMPLATE,
            AttributeCodec.Encode(T.Of(T.Bool(CKA.CKA_EXTRACTABLE, false), T.Text(CKA.CKA_LABEL, "from-kek"))));
        ulong kek = Aes(32, unwrapTemplate);
        byte[] wrapped = Wrap(Kwp, kek, Aes());

        ulong unwrapped = Unwrap(Kwp, kek, wrapped, SecretTemplate(CKK.CKK_AES));
        Assert.That(ReadBool(unwrapped, CKA.CKA_EXTRACTABLE), Is.False);
        Assert.That(Read(unwrapped, CKA.CKA_LABEL), Is.EqualTo("from-kek"u8.ToArray()));
        Assert.That(Rv(() => Unwrap(Kwp, kek, wrapped, [.. SecretTemplate(CKK.CKK_AES), T.Bool(CKA.CKA_EXTRACTABLE, true)])),
            Is.EqualTo(CKR.CKR_TEMPLATE_INCONSISTENT));
    }

    [Test]
    public void DamagedOrMisSizedWrappedKeyIsRefused()
    {
        ulong kek = Aes();
        byte[] wrapped = Wrap(Kwp, kek, Aes());
        wrapped[3] ^= 0x40;
        Assert.That(Rv(() => Unwrap(Kwp, kek, wrapped, SecretTemplate(CKK.CKK_AES))), Is.EqualTo(CKR.CKR_WRAPPED_KEY_INVALID));
        Assert.That(Rv(() => Unwrap(Kwp, kek, wrapped[..^3], SecretTemplate(CKK.CKK_AES))), Is.EqualTo(CKR.CKR_WRAPPED_KEY_LEN_RANGE));
    }

    [Test]
    public void PrivateKeyUnwrappedAsAnotherTypeIsTemplateInconsistent()
    {
        ulong kek = Aes();
        var (_, privateKey) = Ec();
        byte[] wrapped = Wrap(Kwp, kek, privateKey);
        Assert.That(Rv(() => Unwrap(Kwp, kek, wrapped, PrivateTemplate(CKK.CKK_RSA))), Is.EqualTo(CKR.CKR_TEMPLATE_INCONSISTENT));
    }

    [Test]
    public void SessionMustBeAllowedToCreateTheKey()
    {
        ulong kek = Aes(32, T.Bool(CKA.CKA_TOKEN, true));
        byte[] wrapped = Wrap(Kwp, kek, Aes());
        ulong readOnly = OpenRo();
        Assert.That(Rv(() => Backend.UnwrapKey(readOnly, Kwp, kek, wrapped, T.Of([.. SecretTemplate(CKK.CKK_AES), T.Bool(CKA.CKA_TOKEN, true)]))),
            Is.EqualTo(CKR.CKR_SESSION_READ_ONLY));
        Assert.That(Backend.UnwrapKey(readOnly, Kwp, kek, wrapped, T.Of(SecretTemplate(CKK.CKK_AES))), Is.Not.Zero, "a session key is fine");
    }
}
