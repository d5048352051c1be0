using System.Security.Cryptography;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Mechanisms.Ec;

/// <summary>The EC family through the published library (§6.3): mechanism info, key pair generation on every curve
/// by OID and by name, EdDSA with CK_EDDSA_PARAMS, ECDH with CK_ECDH1_DERIVE_PARAMS, and the refusals.</summary>
public sealed class EcMechanismsTest : RwUserSessionFixture
{
    private const ulong CKF_EC_F_P = 0x00100000, CKF_EC_OID = 0x00800000, CKF_EC_UNCOMPRESS = 0x01000000;

    [TestCase(CKM.CKM_EC_KEY_PAIR_GEN, 256UL, 521UL, (ulong)CKF.CKF_GENERATE_KEY_PAIR)]
    [TestCase(CKM.CKM_ECDSA, 256UL, 521UL, (ulong)(CKF.CKF_SIGN | CKF.CKF_VERIFY))]
    [TestCase(CKM.CKM_ECDSA_SHA256, 256UL, 521UL, (ulong)(CKF.CKF_SIGN | CKF.CKF_VERIFY))]
    [TestCase(CKM.CKM_ECDH1_DERIVE, 255UL, 521UL, (ulong)CKF.CKF_DERIVE)]
    [TestCase(EcCalls.CKM_EC_EDWARDS_KEY_PAIR_GEN, 255UL, 448UL, (ulong)CKF.CKF_GENERATE_KEY_PAIR)]
    [TestCase(EcCalls.CKM_EDDSA, 255UL, 448UL, (ulong)(CKF.CKF_SIGN | CKF.CKF_VERIFY))]
    [TestCase(EcCalls.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, 255UL, 448UL, (ulong)CKF.CKF_GENERATE_KEY_PAIR)]
    public void Mechanism_info(CKM mechanism, ulong min, ulong max, ulong functions)
    {
        var info = new Net.Pkcs11Interop.LowLevelAPI80.CK_MECHANISM_INFO();
        CKR rv = Module.Low.C_GetMechanismInfo(Module.MainSlot, mechanism, ref info);
        if (rv == CKR.CKR_MECHANISM_INVALID) Assert.Ignore($"{mechanism} not offered");
        P11.Ok(rv, "C_GetMechanismInfo");
        Assert.That((info.MinKeySize, info.MaxKeySize), Is.EqualTo((min, max)));
        Assert.That(info.Flags & functions, Is.EqualTo(functions));
        Assert.That(info.Flags & (CKF_EC_F_P | CKF_EC_OID), Is.EqualTo(CKF_EC_F_P | CKF_EC_OID), "curves over F_p named by OID");
        if (mechanism is CKM.CKM_ECDSA or CKM.CKM_ECDSA_SHA256 or CKM.CKM_EC_KEY_PAIR_GEN or CKM.CKM_ECDH1_DERIVE)
            Assert.That(info.Flags & CKF_EC_UNCOMPRESS, Is.Not.Zero);
    }

    public static IEnumerable<TestCaseData> Curves()
    {
        yield return new TestCaseData(CKM.CKM_EC_KEY_PAIR_GEN, EcCalls.P256, 65).SetArgDisplayNames("P-256");
        yield return new TestCaseData(CKM.CKM_EC_KEY_PAIR_GEN, EcCalls.CurveName("prime256v1"), 65).SetArgDisplayNames("prime256v1");
        yield return new TestCaseData(CKM.CKM_EC_KEY_PAIR_GEN, EcCalls.P384, 97).SetArgDisplayNames("P-384");
        yield return new TestCaseData(CKM.CKM_EC_KEY_PAIR_GEN, EcCalls.P521, 133).SetArgDisplayNames("P-521");
        yield return new TestCaseData(CKM.CKM_EC_KEY_PAIR_GEN, EcCalls.Secp256k1, 65).SetArgDisplayNames("secp256k1");
        yield return new TestCaseData(EcCalls.CKM_EC_EDWARDS_KEY_PAIR_GEN, EcCalls.Ed25519, 32).SetArgDisplayNames("Ed25519");
        yield return new TestCaseData(EcCalls.CKM_EC_EDWARDS_KEY_PAIR_GEN, EcCalls.CurveName("edwards25519"), 32).SetArgDisplayNames("edwards25519");
        yield return new TestCaseData(EcCalls.CKM_EC_EDWARDS_KEY_PAIR_GEN, EcCalls.Ed448, 57).SetArgDisplayNames("Ed448");
        yield return new TestCaseData(EcCalls.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, EcCalls.X25519, 32).SetArgDisplayNames("X25519");
        yield return new TestCaseData(EcCalls.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, EcCalls.X448, 56).SetArgDisplayNames("X448");
    }

    [TestCaseSource(nameof(Curves))]
    public void Generated_pairs_carry_a_DER_OCTET_STRING_point(CKM mechanism, byte[] ecParams, int pointLength)
    {
        var (pub, priv) = EcCalls.Generate(Session, mechanism, ecParams);
        byte[] point = P11.Get(Session, pub, CKA.CKA_EC_POINT);
        Assert.That(point[0], Is.EqualTo(0x04), "DER OCTET STRING");
        Assert.That(EcCalls.Unwrap(point), Has.Length.EqualTo(pointLength));
        Assert.That(P11.Get(Session, priv, CKA.CKA_EC_PARAMS), Is.EqualTo(ecParams));
        Assert.That(P11.GetBool(Session, priv, CKA.CKA_LOCAL), Is.True);
        Assert.That(P11.TryGet(Session, priv, CKA.CKA_VALUE, out _), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE));
    }

    [Test]
    public void Generation_refuses_unknown_and_mismatched_curves()
    {
        Assert.That(EcCalls.TryGenerate(Session, CKM.CKM_EC_KEY_PAIR_GEN, Convert.FromHexString("06092b2403030208010107"), out _, out _),
            Is.EqualTo(CKR.CKR_CURVE_NOT_SUPPORTED), "brainpoolP256r1");
        Assert.That(EcCalls.TryGenerate(Session, CKM.CKM_EC_KEY_PAIR_GEN, EcCalls.Ed25519, out _, out _), Is.EqualTo(CKR.CKR_CURVE_NOT_SUPPORTED));
        Assert.That(EcCalls.TryGenerate(Session, CKM.CKM_EC_KEY_PAIR_GEN, [0x30, 0x00], out _, out _), Is.EqualTo(CKR.CKR_DOMAIN_PARAMS_INVALID));
    }

    [TestCase(false, "")]
    [TestCase(false, "0102")]
    [TestCase(true, "")]
    [TestCase(true, "0102")]
    public void EdDSA_with_CK_EDDSA_PARAMS_on_both_curves(bool preHash, string contextHex)
    {
        byte[] context = Convert.FromHexString(contextHex);
        foreach (var ecParams in new[] { EcCalls.Ed25519, EcCalls.Ed448 })
        {
            var (pub, priv) = EcCalls.Generate(Session, EcCalls.CKM_EC_EDWARDS_KEY_PAIR_GEN, ecParams);
            byte[] data = TestData.Random(200);
            using var mech = EcCalls.Eddsa(preHash, context);
            byte[] sig = EcCalls.Sign(Session, mech, priv, data);
            Assert.That(sig, Has.Length.EqualTo(ecParams == EcCalls.Ed25519 ? 64 : 114));
            Assert.That(EcCalls.Verify(Session, mech, pub, data, sig), Is.EqualTo(CKR.CKR_OK));
            using var other = EcCalls.Eddsa(!preHash, context);
            Assert.That(EcCalls.Verify(Session, other, pub, data, sig), Is.EqualTo(CKR.CKR_SIGNATURE_INVALID), "the scheme is part of the signature");
            sig[0] ^= 1;
            Assert.That(EcCalls.Verify(Session, mech, pub, data, sig), Is.EqualTo(CKR.CKR_SIGNATURE_INVALID));
        }
    }

    [Test]
    public void Signing_into_a_larger_buffer_reports_the_signature_length()
    {
        // pkcs11-tool passes a large buffer without a size query first.
        foreach (var (gen, ecParams, length) in new[] { (EcCalls.CKM_EC_EDWARDS_KEY_PAIR_GEN, EcCalls.Ed25519, 64UL),
            (EcCalls.CKM_EC_EDWARDS_KEY_PAIR_GEN, EcCalls.Ed448, 114UL), (CKM.CKM_EC_KEY_PAIR_GEN, EcCalls.P521, 132UL) })
        {
            var (_, priv) = EcCalls.Generate(Session, gen, ecParams);
            using var mech = gen == CKM.CKM_EC_KEY_PAIR_GEN ? new NativeMechanism((ulong)CKM.CKM_ECDSA_SHA512) : EcCalls.Eddsa();
            byte[] data = TestData.Random(20), sig = new byte[512];
            ulong len = (ulong)sig.Length;
            P11.Ok(Module.Low.C_SignInit(Session, ref mech.Value, priv), "C_SignInit");
            P11.Ok(Module.Low.C_SignUpdate(Session, data, (ulong)data.Length), "C_SignUpdate");
            P11.Ok(Module.Low.C_SignFinal(Session, sig, ref len), "C_SignFinal");
            Assert.That(len, Is.EqualTo(length));
        }
    }

    [Test]
    public void ECDH_both_sides_agree_raw_DER_and_with_the_SHA256_KDF()
    {
        var (pubA, privA) = EcCalls.Generate(Session, CKM.CKM_EC_KEY_PAIR_GEN, EcCalls.P256);
        var (pubB, privB) = EcCalls.Generate(Session, CKM.CKM_EC_KEY_PAIR_GEN, EcCalls.P256);
        byte[] pointA = P11.Get(Session, pubA, CKA.CKA_EC_POINT), pointB = P11.Get(Session, pubB, CKA.CKA_EC_POINT);
        P11.Ok(EcCalls.TryDerive(Session, privA, EcCalls.Unwrap(pointB), out ulong ab), "C_DeriveKey(raw point)");
        P11.Ok(EcCalls.TryDerive(Session, privB, pointA, out ulong ba), "C_DeriveKey(DER point)");
        byte[] z = P11.Get(Session, ab, CKA.CKA_VALUE);
        Assert.That(P11.Get(Session, ba, CKA.CKA_VALUE), Is.EqualTo(z));
        Assert.That(P11.GetBool(Session, ab, CKA.CKA_LOCAL), Is.False, "derived keys are not local");

        byte[] info = [1, 2, 3];
        P11.Ok(EcCalls.TryDerive(Session, privA, pointB, out ulong kdf, kdf: 6 /* CKD_SHA256_KDF */, shared: info, valueLen: 40), "C_DeriveKey(CKD_SHA256_KDF)");
        byte[] expected = [.. SHA256.HashData([.. z, 0, 0, 0, 1, .. info]), .. SHA256.HashData([.. z, 0, 0, 0, 2, .. info])[..8]];
        Assert.That(P11.Get(Session, kdf, CKA.CKA_VALUE), Is.EqualTo(expected), "ANSI X9.63 KDF");

        byte[] bad = (byte[])pointB.Clone();
        bad[^1] ^= 1;
        Assert.That(EcCalls.TryDerive(Session, privA, bad, out _), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "a point off the curve");
        Assert.That(EcCalls.TryDerive(Session, privA, pointB, out _, kdf: 1, shared: info), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID),
            "CKD_NULL with shared data");
        using var noParam = new NativeMechanism((ulong)CKM.CKM_ECDH1_DERIVE);
        using var t = new NativeTemplate([Attr.Class(CKO.CKO_SECRET_KEY), Attr.Token(false)]);
        ulong h = 0;
        Assert.That(Module.Low.C_DeriveKey(Session, ref noParam.Value, privA, t.Attributes, t.Count, ref h), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    [Test]
    public void X25519_pairs_agree()
    {
        var (pubA, privA) = EcCalls.Generate(Session, EcCalls.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, EcCalls.X25519);
        var (pubB, privB) = EcCalls.Generate(Session, EcCalls.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, EcCalls.X25519);
        P11.Ok(EcCalls.TryDerive(Session, privA, EcCalls.Unwrap(P11.Get(Session, pubB, CKA.CKA_EC_POINT)), out ulong ab), "C_DeriveKey");
        P11.Ok(EcCalls.TryDerive(Session, privB, EcCalls.Unwrap(P11.Get(Session, pubA, CKA.CKA_EC_POINT)), out ulong ba), "C_DeriveKey");
        Assert.That(P11.Get(Session, ab, CKA.CKA_VALUE), Is.EqualTo(P11.Get(Session, ba, CKA.CKA_VALUE)));
        Assert.That(EcCalls.TryDerive(Session, privA, new byte[32], out _), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "u = 0: small order");
    }

    [Test]
    public void Wrong_key_types_and_signature_lengths()
    {
        var (edPub, edPriv) = EcCalls.Generate(Session, EcCalls.CKM_EC_EDWARDS_KEY_PAIR_GEN, EcCalls.Ed25519);
        var (ecPub, ecPriv) = EcCalls.Generate(Session, CKM.CKM_EC_KEY_PAIR_GEN, EcCalls.P256);
        using var ecdsa = new NativeMechanism((ulong)CKM.CKM_ECDSA_SHA256);
        Assert.That(Module.Low.C_SignInit(Session, ref ecdsa.Value, edPriv), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
        using var eddsa = EcCalls.Eddsa();
        Assert.That(Module.Low.C_SignInit(Session, ref eddsa.Value, ecPriv), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
        Assert.That(EcCalls.TryDerive(Session, edPriv, new byte[32], out _), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));

        byte[] data = TestData.Random(10);
        byte[] sig = EcCalls.Sign(Session, CKM.CKM_ECDSA_SHA256, ecPriv, data);
        Assert.That(EcCalls.Verify(Session, CKM.CKM_ECDSA_SHA256, ecPub, data, sig[..^2]), Is.EqualTo(CKR.CKR_SIGNATURE_LEN_RANGE));
        Assert.That(EcCalls.Verify(Session, CKM.CKM_ECDSA_SHA256, ecPub, data, [.. sig, 0]), Is.EqualTo(CKR.CKR_SIGNATURE_LEN_RANGE));
        byte[] edSig;
        using (var m = EcCalls.Eddsa()) edSig = EcCalls.Sign(Session, m, edPriv, data);
        using (var m = EcCalls.Eddsa()) Assert.That(EcCalls.Verify(Session, m, edPub, data, edSig[..63]), Is.EqualTo(CKR.CKR_SIGNATURE_LEN_RANGE));
    }
}
