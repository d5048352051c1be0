using System.Text;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_CreateObject (spec 5.7, 4.1.1 "Creating objects") for every object kind of this stage.</summary>
public sealed class _13_CreateObjectTest : RwUserSessionFixture
{
    public sealed record Kind(string Name, Func<string, bool, Attr[]> Template)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<Kind> Kinds =>
    [
        new("data", (l, t) => TestData.DataObject(l, t)),
        new("private data", (l, t) => TestData.DataObject(l, t, priv: true)),
        new("X.509 certificate", (l, t) => TestData.X509Certificate(l, t)),
        new("RSA public key", (l, t) => TestData.RsaPublicKey(l, TestData.RsaKey, t)),
        new("RSA private key", (l, t) => TestData.RsaPrivateKey(l, TestData.RsaKey, t)),
        new("EC public key", (l, t) => TestData.EcPublicKey(l, TestData.EcKey, t)),
        new("EC private key", (l, t) => TestData.EcPrivateKey(l, TestData.EcKey, t)),
        new("AES-128 key", (l, t) => TestData.AesKey(l, TestData.Random(16), t)),
        new("AES-192 key", (l, t) => TestData.AesKey(l, TestData.Random(24), t)),
        new("AES-256 key", (l, t) => TestData.AesKey(l, TestData.Random(32), t)),
        new("generic secret", (l, t) => TestData.GenericSecret(l, TestData.Random(32), t)),
    ];

    [TestCaseSource(nameof(Kinds))]
    public void Creates_session_object(Kind kind)
    {
        string label = P11.UniqueLabel(kind.Name);
        ulong h = P11.Create(Session, kind.Template(label, false));
        Assert.That(P11.GetString(Session, h, CKA.CKA_LABEL), Is.EqualTo(label), "CKA_LABEL reads back");
        Assert.That(P11.GetBool(Session, h, CKA.CKA_TOKEN), Is.False, "CKA_TOKEN");
        Assert.That(P11.Find(Session, Attr.Label(label)), Is.EqualTo(new[] { h }), "found by label");
    }

    [TestCaseSource(nameof(Kinds))]
    public void Creates_token_object(Kind kind)
    {
        string label = P11.UniqueLabel(kind.Name);
        ulong h = P11.Create(Session, kind.Template(label, true));
        Assert.That(P11.GetBool(Session, h, CKA.CKA_TOKEN), Is.True, "CKA_TOKEN");
        Assert.That(P11.Find(Session, Attr.Label(label)), Is.EqualTo(new[] { h }), "found by label");
        Assert.That(P11.Destroy(Session, h), Is.EqualTo(CKR.CKR_OK), "C_DestroyObject (clean-up)");
    }

    [TestCaseSource(nameof(Kinds))]
    public void Every_object_gets_a_unique_CKA_UNIQUE_ID(Kind kind)
    {
        ulong a = P11.Create(Session, kind.Template(P11.UniqueLabel(kind.Name), false));
        ulong b = P11.Create(Session, kind.Template(P11.UniqueLabel(kind.Name), false));
        Assert.That(P11.TryGet(Session, a, Ck.CKA_UNIQUE_ID, out byte[] ida), Is.EqualTo(CKR.CKR_OK), "C_GetAttributeValue(CKA_UNIQUE_ID)");
        P11.TryGet(Session, b, Ck.CKA_UNIQUE_ID, out byte[] idb);
        Assert.That(ida, Is.Not.Empty, "CKA_UNIQUE_ID is not empty");
        Assert.That(ida, Is.Not.EqualTo(idb), "two objects, two unique IDs");
    }

    [Test]
    public void Defaults_of_a_data_object()
    {
        ulong h = P11.Create(Session, Attr.Class(CKO.CKO_DATA), Attr.Label(P11.UniqueLabel("defaults")));
        Assert.That(P11.GetBool(Session, h, CKA.CKA_TOKEN), Is.False, "CKA_TOKEN defaults to CK_FALSE");
        Assert.That(P11.GetBool(Session, h, CKA.CKA_MODIFIABLE), Is.True, "CKA_MODIFIABLE defaults to CK_TRUE");
        Assert.That(P11.GetBool(Session, h, CKA.CKA_COPYABLE), Is.True, "CKA_COPYABLE defaults to CK_TRUE");
        Assert.That(P11.GetBool(Session, h, CKA.CKA_DESTROYABLE), Is.True, "CKA_DESTROYABLE defaults to CK_TRUE");
        Assert.That(P11.GetULong(Session, h, CKA.CKA_CLASS), Is.EqualTo((ulong)CKO.CKO_DATA), "CKA_CLASS");
        Assert.That(P11.Get(Session, h, CKA.CKA_VALUE), Is.Empty, "CKA_VALUE defaults to empty");
    }

    [Test]
    public void Imported_secret_key_is_not_local_and_was_never_always_sensitive()
    {
        byte[] value = TestData.Random(32);
        ulong h = P11.Create(Session, TestData.AesKey(P11.UniqueLabel("imported"), value, sensitive: true));
        Assert.That(P11.GetBool(Session, h, CKA.CKA_LOCAL), Is.False, "CKA_LOCAL is CK_FALSE for C_CreateObject");
        Assert.That(P11.GetBool(Session, h, CKA.CKA_ALWAYS_SENSITIVE), Is.False, "CKA_ALWAYS_SENSITIVE is CK_FALSE for C_CreateObject");
        Assert.That(P11.GetBool(Session, h, CKA.CKA_NEVER_EXTRACTABLE), Is.False, "CKA_NEVER_EXTRACTABLE is CK_FALSE for C_CreateObject");
        Assert.That(P11.GetULong(Session, h, CKA.CKA_VALUE_LEN), Is.EqualTo(32UL), "CKA_VALUE_LEN of a 32-byte AES key");
        Assert.That(P11.GetULong(Session, h, CKA.CKA_KEY_GEN_MECHANISM), Is.EqualTo(Ck.UnavailableInformation), "CKA_KEY_GEN_MECHANISM of an imported key");
    }

    [Test]
    public void Check_values_follow_the_spec()
    {
        byte[] aes = TestData.Random(16), generic = TestData.Random(24);
        ulong a = P11.Create(Session, TestData.AesKey(P11.UniqueLabel("kcv-aes"), aes));
        ulong g = P11.Create(Session, TestData.GenericSecret(P11.UniqueLabel("kcv-generic"), generic));
        Assert.That(P11.Get(Session, a, CKA.CKA_CHECK_VALUE), Is.EqualTo(TestData.AesCheckValue(aes)), "AES CKA_CHECK_VALUE: first 3 bytes of ECB(0^128)");
        Assert.That(P11.Get(Session, g, CKA.CKA_CHECK_VALUE), Is.EqualTo(TestData.GenericSecretCheckValue(generic)), "generic secret CKA_CHECK_VALUE: first 3 bytes of SHA-1");
    }

    [Test]
    public void RSA_public_key_reads_back_its_components()
    {
        var p = TestData.RsaKey;
        ulong h = P11.Create(Session, TestData.RsaPublicKey(P11.UniqueLabel("rsa-pub"), p));
        Assert.That(P11.Get(Session, h, CKA.CKA_MODULUS), Is.EqualTo(p.Modulus), "CKA_MODULUS");
        Assert.That(P11.Get(Session, h, CKA.CKA_PUBLIC_EXPONENT).SkipWhile(b => b == 0), Is.EqualTo(p.Exponent!.SkipWhile(b => b == 0)), "CKA_PUBLIC_EXPONENT");
        Assert.That(P11.GetULong(Session, h, CKA.CKA_MODULUS_BITS), Is.EqualTo(2048UL), "CKA_MODULUS_BITS is derived from the modulus");
    }

    [Test]
    public void EC_public_key_reads_back_params_and_point()
    {
        ulong h = P11.Create(Session, TestData.EcPublicKey(P11.UniqueLabel("ec-pub"), TestData.EcKey));
        Assert.That(P11.Get(Session, h, CKA.CKA_EC_PARAMS), Is.EqualTo(TestData.P256Params), "CKA_EC_PARAMS");
        Assert.That(P11.Get(Session, h, CKA.CKA_EC_POINT), Is.EqualTo(TestData.EcPointDer(TestData.EcKey)), "CKA_EC_POINT");
    }

    [Test]
    public void Certificate_reads_back_its_DER()
    {
        ulong h = P11.Create(Session, TestData.X509Certificate(P11.UniqueLabel("cert")));
        Assert.That(P11.Get(Session, h, CKA.CKA_VALUE), Is.EqualTo(TestData.CertificateDer), "CKA_VALUE");
        Assert.That(P11.Get(Session, h, CKA.CKA_SUBJECT), Is.EqualTo(TestData.CertificateSubject), "CKA_SUBJECT");
        Assert.That(P11.GetULong(Session, h, CKA.CKA_CERTIFICATE_TYPE), Is.EqualTo((ulong)CKC.CKC_X_509), "CKA_CERTIFICATE_TYPE");
    }

    [Test]
    public void High_level_CreateObject_agrees()
    {
        var session = Module.Library.GetSlotList(SlotsType.WithTokenPresent).Single(s => s.SlotId == Module.MainSlot).OpenSession(SessionType.ReadWrite);
        var f = Settings.Factories.ObjectAttributeFactory;
        string label = P11.UniqueLabel("high-level");
        IObjectHandle h = session.CreateObject(
        [
            f.Create(CKA.CKA_CLASS, CKO.CKO_DATA), f.Create(CKA.CKA_TOKEN, false), f.Create(CKA.CKA_LABEL, label),
            f.Create(CKA.CKA_VALUE, Encoding.UTF8.GetBytes("hello")),
        ]);
        var values = session.GetAttributeValue(h, [CKA.CKA_LABEL, CKA.CKA_VALUE]);
        Assert.That(values[0].GetValueAsString(), Is.EqualTo(label), "Pkcs11Interop reads CKA_LABEL");
        Assert.That(values[1].GetValueAsByteArray(), Is.EqualTo(Encoding.UTF8.GetBytes("hello")), "Pkcs11Interop reads CKA_VALUE");
        session.CloseSession();
    }

    // --- template errors (4.1.1) -------------------------------------------------------------------------

    public static IEnumerable<TestCaseData> TemplateErrors()
    {
        byte[] key = TestData.Random(16);
        Attr[] aes = TestData.AesKey("template-errors", key);
        yield return new TestCaseData(TestData.Without(aes, CKA.CKA_VALUE), CKR.CKR_TEMPLATE_INCOMPLETE).SetName("AES key without CKA_VALUE: CKR_TEMPLATE_INCOMPLETE");
        yield return new TestCaseData(TestData.Without(aes, CKA.CKA_KEY_TYPE), CKR.CKR_TEMPLATE_INCOMPLETE).SetName("secret key without CKA_KEY_TYPE: CKR_TEMPLATE_INCOMPLETE");
        yield return new TestCaseData(TestData.Without(aes, CKA.CKA_CLASS), CKR.CKR_TEMPLATE_INCOMPLETE).SetName("no CKA_CLASS: CKR_TEMPLATE_INCOMPLETE");
        yield return new TestCaseData(TestData.Without(TestData.RsaPublicKey("t", TestData.RsaKey), CKA.CKA_MODULUS), CKR.CKR_TEMPLATE_INCOMPLETE).SetName("RSA public key without CKA_MODULUS: CKR_TEMPLATE_INCOMPLETE");
        yield return new TestCaseData(TestData.Without(TestData.EcPublicKey("t", TestData.EcKey), CKA.CKA_EC_POINT), CKR.CKR_TEMPLATE_INCOMPLETE).SetName("EC public key without CKA_EC_POINT: CKR_TEMPLATE_INCOMPLETE");
        yield return new TestCaseData(TestData.Without(TestData.X509Certificate("t"), CKA.CKA_CERTIFICATE_TYPE), CKR.CKR_TEMPLATE_INCOMPLETE).SetName("certificate without CKA_CERTIFICATE_TYPE: CKR_TEMPLATE_INCOMPLETE");
        yield return new TestCaseData(new[] { Attr.Class(CKO.CKO_DATA), new Attr(Ck.UnknownAttribute, [1, 2, 3]) }, CKR.CKR_ATTRIBUTE_TYPE_INVALID).SetName("unknown vendor attribute: CKR_ATTRIBUTE_TYPE_INVALID");
        yield return new TestCaseData(new[] { Attr.ULong(CKA.CKA_CLASS, 0x7FFF_0000UL) }, CKR.CKR_ATTRIBUTE_VALUE_INVALID).SetName("unknown CKA_CLASS value: CKR_ATTRIBUTE_VALUE_INVALID");
        yield return new TestCaseData(TestData.With(aes, CKA.CKA_KEY_TYPE, Attr.ULong(CKA.CKA_KEY_TYPE, 0x7FFF_0000UL)), CKR.CKR_ATTRIBUTE_VALUE_INVALID).SetName("unknown CKA_KEY_TYPE value: CKR_ATTRIBUTE_VALUE_INVALID");
        yield return new TestCaseData(new[] { Attr.Class(CKO.CKO_DATA), new Attr((ulong)CKA.CKA_TOKEN, [0, 0, 0, 0]) }, CKR.CKR_ATTRIBUTE_VALUE_INVALID).SetName("CK_BBOOL of 4 bytes: CKR_ATTRIBUTE_VALUE_INVALID");
        yield return new TestCaseData(new[] { new Attr((ulong)CKA.CKA_CLASS, [0, 0, 0, 0]) }, CKR.CKR_ATTRIBUTE_VALUE_INVALID).SetName("CK_ULONG of 4 bytes on linux-x64: CKR_ATTRIBUTE_VALUE_INVALID");
        yield return new TestCaseData(TestData.With(aes, CKA.CKA_VALUE, Attr.Bytes(CKA.CKA_VALUE, TestData.Random(15))), CKR.CKR_ATTRIBUTE_VALUE_INVALID).SetName("AES key of 15 bytes: CKR_ATTRIBUTE_VALUE_INVALID");
        yield return new TestCaseData(new[] { Attr.Class(CKO.CKO_DATA), Attr.Label("a"), Attr.Token(false), Attr.Token(true) }, CKR.CKR_TEMPLATE_INCONSISTENT).SetName("CKA_TOKEN twice with different values: CKR_TEMPLATE_INCONSISTENT");
        yield return new TestCaseData(TestData.With(aes, CKA.CKA_KEY_TYPE, Attr.KeyType(CKK.CKK_RSA)), CKR.CKR_TEMPLATE_INCONSISTENT).SetName("secret key of type CKK_RSA: CKR_TEMPLATE_INCONSISTENT");
        yield return new TestCaseData(aes.Append(Attr.Bytes(CKA.CKA_MODULUS, TestData.RsaKey.Modulus!)).ToArray(), CKR.CKR_TEMPLATE_INCONSISTENT).SetName("secret key with CKA_MODULUS: CKR_TEMPLATE_INCONSISTENT");
        yield return new TestCaseData(aes.Append(Attr.Bool(CKA.CKA_LOCAL, true)).ToArray(), CKR.CKR_ATTRIBUTE_READ_ONLY).SetName("CKA_LOCAL in the template: CKR_ATTRIBUTE_READ_ONLY");
        yield return new TestCaseData(new[] { Attr.Class(CKO.CKO_DATA), Attr.Bytes(Ck.CKA_UNIQUE_ID, [1, 2, 3]) }, CKR.CKR_ATTRIBUTE_READ_ONLY).SetName("CKA_UNIQUE_ID in the template: CKR_ATTRIBUTE_READ_ONLY");
    }

    [TestCaseSource(nameof(TemplateErrors))]
    public void Bad_template_is_refused_and_creates_nothing(Attr[] template, CKR expected)
    {
        string marker = P11.UniqueLabel("refused");
        Attr[] labelled = TestData.With(template, CKA.CKA_LABEL, Attr.Label(marker));
        CKR rv = P11.TryCreate(Session, out _, labelled);
        Assert.That(rv, Is.EqualTo(expected), "C_CreateObject(" + string.Join(", ", labelled) + ")");
        Assert.That(P11.Find(Session, Attr.Label(marker)), Is.Empty, "no object is created from a refused template");
    }

    // --- session states ----------------------------------------------------------------------------------

    [Test]
    public void Token_object_in_a_RO_session_returns_CKR_SESSION_READ_ONLY()
    {
        ulong ro = P11.OpenRo();
        Assert.That(P11.TryCreate(ro, out _, TestData.DataObject(P11.UniqueLabel("ro-token"), token: true)), Is.EqualTo(CKR.CKR_SESSION_READ_ONLY),
            "C_CreateObject(CKA_TOKEN = TRUE) in a R/O session");
        Assert.That(P11.TryCreate(ro, out ulong h, TestData.DataObject(P11.UniqueLabel("ro-session"))), Is.EqualTo(CKR.CKR_OK),
            "a session object can be created in a R/O session");
        Assert.That(h, Is.Not.Zero);
    }

    [Test]
    public void Private_object_without_user_login_returns_CKR_USER_NOT_LOGGED_IN()
    {
        P11.Logout(Session);
        Assert.That(P11.TryCreate(Session, out _, TestData.DataObject(P11.UniqueLabel("priv"), token: true, priv: true)), Is.EqualTo(CKR.CKR_USER_NOT_LOGGED_IN),
            "private token object in a R/W public session");
        Assert.That(P11.TryCreate(Session, out _, TestData.DataObject(P11.UniqueLabel("priv"), token: false, priv: true)), Is.EqualTo(CKR.CKR_USER_NOT_LOGGED_IN),
            "private session object in a R/W public session");
        P11.LoginSo(Session);
        Assert.That(P11.TryCreate(Session, out _, TestData.DataObject(P11.UniqueLabel("priv"), token: true, priv: true)), Is.EqualTo(CKR.CKR_USER_NOT_LOGGED_IN),
            "private object as SO (the SO has no access to private objects)");
        Assert.That(P11.TryCreate(Session, out ulong pub, TestData.DataObject(P11.UniqueLabel("so-public"), token: false)), Is.EqualTo(CKR.CKR_OK),
            "the SO can create public objects");
        Assert.That(pub, Is.Not.Zero);
    }

    // --- ABI ---------------------------------------------------------------------------------------------

    [Test]
    public unsafe void NULL_arguments_return_CKR_ARGUMENTS_BAD()
    {
        using var t = new NativeTemplate(TestData.DataObject("null-args"));
        ulong h = 0;
        fixed (Net.Pkcs11Interop.LowLevelAPI80.CK_ATTRIBUTE* p = t.Attributes)
        {
            Assert.That(Module.Raw.C_CreateObject(Session, p, t.Count, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_CreateObject(phObject = NULL)");
            Assert.That(Module.Raw.C_CreateObject(Session, null, t.Count, &h), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_CreateObject(pTemplate = NULL, ulCount = 6)");
        }
    }

    [Test]
    public void Invalid_session_returns_CKR_SESSION_HANDLE_INVALID()
    {
        Assert.That(P11.TryCreate(Ck.InvalidSession, out _, TestData.DataObject("x")), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_CreateObject(invalid session)");
    }
}
