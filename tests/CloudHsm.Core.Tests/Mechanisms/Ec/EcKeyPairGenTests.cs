using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Ec;

/// <summary>CKM_EC_KEY_PAIR_GEN, CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EC_MONTGOMERY_KEY_PAIR_GEN (§6.3).</summary>
[TestFixture]
public sealed class EcKeyPairGenTests : EcFixture
{
    public static IEnumerable<TestCaseData> WeierstrassCurves()
    {
        yield return new TestCaseData(P256, 32).SetName("P-256 by OID");
        yield return new TestCaseData(CurveName("prime256v1"), 32).SetName("P-256 as prime256v1");
        yield return new TestCaseData(CurveName("secp256r1"), 32).SetName("P-256 as secp256r1");
        yield return new TestCaseData(P384, 48).SetName("P-384 by OID");
        yield return new TestCaseData(CurveName("secp384r1"), 48).SetName("P-384 as secp384r1");
        yield return new TestCaseData(P521, 66).SetName("P-521 by OID");
        yield return new TestCaseData(Secp256k1, 32).SetName("secp256k1 by OID");
        yield return new TestCaseData(CurveName("secp256k1"), 32).SetName("secp256k1 by name");
    }

    [TestCaseSource(nameof(WeierstrassCurves))]
    public void Weierstrass_pair_has_the_spec_attributes_and_signs(byte[] ecParams, int fieldBytes)
    {
        var (pub, priv) = Generate(CKM.CKM_EC_KEY_PAIR_GEN, ecParams);
        byte[] point = Read(pub, CKA.CKA_EC_POINT);
        Assert.That(Unwrap(point), Has.Length.EqualTo(1 + 2 * fieldBytes), "CKA_EC_POINT is a DER OCTET STRING of 04||X||Y");
        Assert.That(Unwrap(point)[0], Is.EqualTo(0x04), "uncompressed");
        Assert.That(Read(priv, CKA.CKA_EC_PARAMS), Is.EqualTo(ecParams), "the private key gets the public template's CKA_EC_PARAMS");
        Assert.That(AttributeValues.ToULong(CKA.CKA_KEY_TYPE, Read(priv, CKA.CKA_KEY_TYPE)), Is.EqualTo((ulong)CKK.CKK_EC));
        Assert.That(Read(priv, CKA.CKA_LOCAL), Is.EqualTo(new byte[] { 1 }));
        Assert.That(AttributeValues.ToULong(CKA.CKA_KEY_GEN_MECHANISM, Read(pub, CKA.CKA_KEY_GEN_MECHANISM)), Is.EqualTo((ulong)CKM.CKM_EC_KEY_PAIR_GEN));
        Assert.That(Backend.GetAttributeValue(Session, priv, [CKA.CKA_VALUE])[0].Status, Is.EqualTo(AttributeReadStatus.Sensitive));

        byte[] data = "message"u8.ToArray();
        byte[] sig = Sign(CKM.CKM_ECDSA_SHA256, priv, data);
        Assert.That(sig, Has.Length.EqualTo(2 * fieldBytes));
        using var ecdsa = System.Security.Cryptography.ECDsa.Create(PublicParameters(pub, ecParams));
        Assert.That(ecdsa.VerifyData(data, sig, System.Security.Cryptography.HashAlgorithmName.SHA256), Is.True, ".NET verifies the token's signature");
        Verify(CKM.CKM_ECDSA_SHA256, pub, data, sig);
    }

    [TestCase(CKM.CKM_EC_EDWARDS_KEY_PAIR_GEN, "1.3.101.112", "edwards25519", 32, CKK.CKK_EC_EDWARDS)]
    [TestCase(CKM.CKM_EC_EDWARDS_KEY_PAIR_GEN, "1.3.101.113", "edwards448", 57, CKK.CKK_EC_EDWARDS)]
    [TestCase(CKM.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, "1.3.101.110", "curve25519", 32, CKK.CKK_EC_MONTGOMERY)]
    [TestCase(CKM.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, "1.3.101.111", "curve448", 56, CKK.CKK_EC_MONTGOMERY)]
    public void Edwards_and_Montgomery_pairs_by_OID_and_by_name(CKM mechanism, string oid, string name, int keyBytes, CKK keyType)
    {
        foreach (var ecParams in new[] { Oid(oid), CurveName(name) })
        {
            var (pub, priv) = Generate(mechanism, ecParams);
            Assert.That(Unwrap(Read(pub, CKA.CKA_EC_POINT)), Has.Length.EqualTo(keyBytes), "CKA_EC_POINT is a DER OCTET STRING of the key bytes");
            Assert.That(AttributeValues.ToULong(CKA.CKA_KEY_TYPE, Read(pub, CKA.CKA_KEY_TYPE)), Is.EqualTo((ulong)keyType));
            Assert.That(Read(priv, CKA.CKA_EC_PARAMS), Is.EqualTo(ecParams));
        }
    }

    [Test]
    public void OpenSC_023s_curve25519_with_a_length_one_too_long_is_taken()
    {
        byte[] openSc = [0x13, 0x0B, .. "curve25519"u8];
        var (pub, priv) = Generate(CKM.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, openSc);
        Assert.That(Unwrap(Read(pub, CKA.CKA_EC_POINT)), Has.Length.EqualTo(32));
        Assert.That(Read(priv, CKA.CKA_EC_PARAMS), Is.EqualTo(openSc));
        Assert.That(Rv(() => Generate(CKM.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, [0x13, 0x0C, .. "curve25519"u8])), Is.EqualTo(CKR.CKR_DOMAIN_PARAMS_INVALID),
            "two bytes short is not that bug");
    }

    [Test]
    public void Unknown_or_unsupported_curves_and_parameters_are_refused()
    {
        Assert.That(Rv(() => Generate(CKM.CKM_EC_KEY_PAIR_GEN, Oid("1.3.36.3.3.2.8.1.1.7"))), Is.EqualTo(CKR.CKR_CURVE_NOT_SUPPORTED), "brainpoolP256r1");
        Assert.That(Rv(() => Generate(CKM.CKM_EC_KEY_PAIR_GEN, CurveName("prime239v1"))), Is.EqualTo(CKR.CKR_CURVE_NOT_SUPPORTED));
        Assert.That(Rv(() => Generate(CKM.CKM_EC_KEY_PAIR_GEN, Ed25519)), Is.EqualTo(CKR.CKR_CURVE_NOT_SUPPORTED), "§6.3: an Edwards curve to another generator");
        Assert.That(Rv(() => Generate(CKM.CKM_EC_EDWARDS_KEY_PAIR_GEN, P256)), Is.EqualTo(CKR.CKR_CURVE_NOT_SUPPORTED));
        Assert.That(Rv(() => Generate(CKM.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, Ed25519)), Is.EqualTo(CKR.CKR_CURVE_NOT_SUPPORTED));
        Assert.That(Rv(() => Generate(CKM.CKM_EC_KEY_PAIR_GEN, [0x30, 0x03, 0x02, 0x01, 0x01])), Is.EqualTo(CKR.CKR_DOMAIN_PARAMS_INVALID), "explicit ecParameters");
        Assert.That(Rv(() => Generate(CKM.CKM_EC_KEY_PAIR_GEN, [0x05, 0x00])), Is.EqualTo(CKR.CKR_DOMAIN_PARAMS_INVALID), "implicitlyCA");
        Assert.That(Rv(() => Generate(CKM.CKM_EC_KEY_PAIR_GEN, [0x06, 0x08, 0x2a])), Is.EqualTo(CKR.CKR_DOMAIN_PARAMS_INVALID), "truncated DER");
        Assert.That(Rv(() => Generate(CKM.CKM_EC_KEY_PAIR_GEN, [.. P256, 0x00])), Is.EqualTo(CKR.CKR_DOMAIN_PARAMS_INVALID), "trailing bytes");
        Assert.That(Rv(() => Backend.GenerateKeyPair(Session, new Mechanism(CKM.CKM_EC_KEY_PAIR_GEN),
            new Template([TemplateAttribute.Bool(CKA.CKA_VERIFY, true)]), GenPrivate)), Is.EqualTo(CKR.CKR_TEMPLATE_INCOMPLETE));
        Assert.That(Rv(() => Backend.GenerateKeyPair(Session, new Mechanism(CKM.CKM_EC_KEY_PAIR_GEN),
            new Template([new TemplateAttribute(CKA.CKA_EC_PARAMS, P256), TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)CKK.CKK_RSA)]), GenPrivate)),
            Is.EqualTo(CKR.CKR_TEMPLATE_INCONSISTENT), "a key type the mechanism does not make");
        Assert.That(Rv(() => Backend.GenerateKeyPair(Session, new Mechanism(CKM.CKM_EC_KEY_PAIR_GEN, new ByteArrayParameter([1])),
            new Template([new TemplateAttribute(CKA.CKA_EC_PARAMS, P256)]), GenPrivate)), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    [Test]
    public void Mechanism_info_is_declared_for_every_EC_mechanism()
    {
        var list = Backend.GetMechanismList(SlotId);
        foreach (var m in new[] { CKM.CKM_EC_KEY_PAIR_GEN, CKM.CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM.CKM_EC_MONTGOMERY_KEY_PAIR_GEN,
            CKM.CKM_ECDSA, CKM.CKM_ECDSA_SHA1, CKM.CKM_ECDSA_SHA224, CKM.CKM_ECDSA_SHA256, CKM.CKM_ECDSA_SHA384, CKM.CKM_ECDSA_SHA512,
            CKM.CKM_EDDSA, CKM.CKM_ECDH1_DERIVE })
            Assert.That(list, Does.Contain(m));
        var ecdsa = Backend.GetMechanismInfo(SlotId, CKM.CKM_ECDSA);
        Assert.That((ecdsa.MinKeySize, ecdsa.MaxKeySize), Is.EqualTo((256UL, 521UL)));
        Assert.That(ecdsa.Flags & (CKF.CKF_SIGN | CKF.CKF_VERIFY | CKF.CKF_EC_F_P | CKF.CKF_EC_NAMEDCURVE | CKF.CKF_EC_UNCOMPRESS),
            Is.EqualTo(CKF.CKF_SIGN | CKF.CKF_VERIFY | CKF.CKF_EC_F_P | CKF.CKF_EC_NAMEDCURVE | CKF.CKF_EC_UNCOMPRESS));
        var eddsa = Backend.GetMechanismInfo(SlotId, CKM.CKM_EDDSA);
        Assert.That((eddsa.MinKeySize, eddsa.MaxKeySize), Is.EqualTo((255UL, 448UL)));
        Assert.That(Backend.GetMechanismInfo(SlotId, CKM.CKM_ECDH1_DERIVE).Flags & CKF.CKF_DERIVE, Is.Not.Zero);
    }

    [Test]
    public void Curve_orders_in_the_table_are_the_curves_orders()
    {
        foreach (var curve in CloudHsm.Core.Mechanisms.Ec.EcCurve.All.Where(c => c.Form == CloudHsm.Core.Mechanisms.Ec.CurveForm.Weierstrass))
        {
            using var key = System.Security.Cryptography.ECDsa.Create(curve.DotNetCurve);
            var explicitCurve = key.ExportExplicitParameters(false).Curve;
            Assert.That(new System.Numerics.BigInteger(explicitCurve.Order, isUnsigned: true, isBigEndian: true), Is.EqualTo(curve.Order), curve.Name);
            Assert.That(explicitCurve.Prime!.Length, Is.EqualTo(curve.KeyBytes), curve.Name);
        }
    }
}
