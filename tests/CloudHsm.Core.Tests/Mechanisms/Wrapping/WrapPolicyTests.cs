using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Wrapping;
using CloudHsm.Core.Objects;
using CloudHsm.Core.Tests.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Wrapping;

/// <summary>The mechanism-independent rules of C_WrapKey / C_UnwrapKey (§5.18, §4.10, §4.11).</summary>
public class WrapPolicyTests
{
    private static HsmObject Kek(params TemplateAttribute[] extra) => ObjectEngine.Create(T.Of(
        [T.Class(CKO.CKO_SECRET_KEY), T.KeyType(CKK.CKK_AES), T.Bytes(CKA.CKA_VALUE, new byte[32]), .. extra]),
        extra.Any(a => a.Type == CKA.CKA_TRUSTED) ? ObjectContext.SecurityOfficer : ObjectContext.User);

    private static HsmObject Key(params TemplateAttribute[] extra) => WrapKeys.Aes(RandomNumberGenerator.GetBytes(16), extra);

    private static TemplateAttribute Nested(CKA type, params TemplateAttribute[] template) =>
        new(type, AttributeCodec.Encode(T.Of(template)));

    [Test]
    public void ExtractableKeyIsWrappable() => Assert.DoesNotThrow(() => WrapPolicy.CheckWrap(Kek(), Key()));

    [Test]
    public void UnextractableKeyIsKeyUnextractable() =>
        Assert.That(Rv(() => WrapPolicy.CheckWrap(Kek(), Key(T.Bool(CKA.CKA_EXTRACTABLE, false)))), Is.EqualTo(CKR.CKR_KEY_UNEXTRACTABLE));

    [Test]
    public void WrapWithTrustedNeedsATrustedWrappingKey()
    {
        var key = Key(T.Bool(CKA.CKA_WRAP_WITH_TRUSTED, true));
        Assert.That(Rv(() => WrapPolicy.CheckWrap(Kek(), key)), Is.EqualTo(CKR.CKR_KEY_NOT_WRAPPABLE));
        Assert.DoesNotThrow(() => WrapPolicy.CheckWrap(Kek(T.Bool(CKA.CKA_TRUSTED, true)), key));
    }

    [Test]
    public void WrapWithTrustedKeyIsNotWrappedUnderACallerChosenGcmIv()
    {
        var key = Key(T.Bool(CKA.CKA_WRAP_WITH_TRUSTED, true));
        Assert.That(Rv(() => WrapPolicy.CheckWrapMechanism(CKM.CKM_AES_GCM, key)), Is.EqualTo(CKR.CKR_KEY_NOT_WRAPPABLE),
            "a repeated IV would give the key away as C1 ^ C2 ^ K1");
        foreach (var mechanism in new[] { CKM.CKM_CLOUDHSM_AES_GCM, CKM.CKM_AES_KEY_WRAP_KWP, CKM.CKM_AES_CBC_PAD, CKM.CKM_RSA_PKCS_OAEP })
            Assert.DoesNotThrow(() => WrapPolicy.CheckWrapMechanism(mechanism, key), mechanism.ToString());
        Assert.DoesNotThrow(() => WrapPolicy.CheckWrapMechanism(CKM.CKM_AES_GCM, Key()), "keys without CKA_WRAP_WITH_TRUSTED");
    }

    [Test]
    public void WrapTemplateMustMatchTheKey()
    {
        var kek = Kek(Nested(CKA.CKA_WRAP_TEMPLATE, T.KeyType(CKK.CKK_AES), T.Text(CKA.CKA_LABEL, "payments")));
        Assert.DoesNotThrow(() => WrapPolicy.CheckWrap(kek, Key(T.Text(CKA.CKA_LABEL, "payments"))));
        // §5.18: "If any attribute mismatch occurs on an attempt to wrap a key then the function SHALL return CKR_KEY_HANDLE_INVALID."
        Assert.That(Rv(() => WrapPolicy.CheckWrap(kek, Key(T.Text(CKA.CKA_LABEL, "other")))), Is.EqualTo(CKR.CKR_KEY_HANDLE_INVALID));
        Assert.That(Rv(() => WrapPolicy.CheckWrap(kek, WrapKeys.Secret(CKK.CKK_GENERIC_SECRET, new byte[16], T.Text(CKA.CKA_LABEL, "payments")))),
            Is.EqualTo(CKR.CKR_KEY_HANDLE_INVALID));
    }

    [Test]
    public void EmptyWrapTemplatePutsNoCondition() =>
        Assert.DoesNotThrow(() => WrapPolicy.CheckWrap(Kek(new TemplateAttribute(CKA.CKA_WRAP_TEMPLATE, [])), Key()));

    [Test]
    public void PublicKeyIsNotWrappable()
    {
        using var rsa = RSA.Create(2048);
        Assert.That(Rv(() => WrapPolicy.CheckWrap(Kek(), WrapKeys.RsaPublic(rsa.ExportParameters(false)))), Is.EqualTo(CKR.CKR_KEY_NOT_WRAPPABLE));
    }

    [Test]
    public void DataObjectIsNoKey()
    {
        var data = ObjectEngine.Create(T.Of(T.Class(CKO.CKO_DATA), T.Bytes(CKA.CKA_VALUE, 1, 2)), ObjectContext.User);
        Assert.That(Rv(() => WrapPolicy.CheckWrap(Kek(), data)), Is.EqualTo(CKR.CKR_KEY_HANDLE_INVALID));
    }

    [Test]
    public void UnwrapTemplateJoinsTheCallersTemplate()
    {
        var kek = Kek(Nested(CKA.CKA_UNWRAP_TEMPLATE, T.Bool(CKA.CKA_EXTRACTABLE, false), T.Bool(CKA.CKA_SENSITIVE, true)));
        var merged = WrapPolicy.MergeUnwrapTemplate(kek, T.Of(T.Class(CKO.CKO_SECRET_KEY), T.Bool(CKA.CKA_SENSITIVE, true)));
        Assert.That(merged.Find(CKA.CKA_EXTRACTABLE), Is.EqualTo(new byte[] { 0 }));
        Assert.That(merged.Find(CKA.CKA_CLASS), Is.Not.Null);
    }

    [Test]
    public void UnwrapTemplateConflictIsTemplateInconsistent()
    {
        var kek = Kek(Nested(CKA.CKA_UNWRAP_TEMPLATE, T.Bool(CKA.CKA_EXTRACTABLE, false)));
        Assert.That(Rv(() => WrapPolicy.MergeUnwrapTemplate(kek, T.Of(T.Bool(CKA.CKA_EXTRACTABLE, true)))),
            Is.EqualTo(CKR.CKR_TEMPLATE_INCONSISTENT));
    }

    [Test]
    public void NoUnwrapTemplateLeavesTheCallersAlone()
    {
        var template = T.Of(T.Class(CKO.CKO_SECRET_KEY));
        Assert.That(WrapPolicy.MergeUnwrapTemplate(Kek(), template), Is.SameAs(template));
    }

    private static CKR Rv(TestDelegate call) => Assert.Catch<CkrException>(call)!.Rv;
}
