using CloudHsm.Core.Backend;
using CloudHsm.Core.Mechanisms.Ec;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace CloudHsm.Core.Tests.Mechanisms.Ec;

/// <summary>CKM_EDDSA (§6.3) in its five RFC 8032 schemes, with RFC 8032's first test vector and
/// BouncyCastle's own signers (EdDSA is deterministic, so signatures must match byte for byte).</summary>
[TestFixture]
public sealed class EdDsaTests : EcFixture
{
    private static readonly byte[] Rfc8032Secret = Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    private static readonly byte[] Rfc8032Public = Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    private static readonly byte[] Rfc8032Signature = Convert.FromHexString(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");

    [Test]
    public void Ed25519_matches_RFC_8032_test_1_with_raw_and_DER_encodings()
    {
        ulong priv = Backend.CreateObject(Session, PrivateTemplate(CKK.CKK_EC_EDWARDS, Ed25519, Rfc8032Secret));
        Assert.That(Sign(CKM.CKM_EDDSA, priv, []), Is.EqualTo(Rfc8032Signature));
        foreach (var point in new[] { Rfc8032Public, OctetString(Rfc8032Public) })
        {
            ulong pub = Backend.CreateObject(Session, PublicTemplate(CKK.CKK_EC_EDWARDS, CurveName("edwards25519"), point));
            Verify(CKM.CKM_EDDSA, pub, [], Rfc8032Signature);
        }
    }

    public static IEnumerable<TestCaseData> Schemes()
    {
        byte[] ctx = "context"u8.ToArray();
        yield return new TestCaseData("Ed25519", null, (Func<ISigner>)(() => new Ed25519Signer()));
        yield return new TestCaseData("Ed25519", new EddsaParameters(false, ctx), (Func<ISigner>)(() => new Ed25519ctxSigner(ctx))).SetArgDisplayNames("Ed25519ctx");
        yield return new TestCaseData("Ed25519", new EddsaParameters(true, ctx), (Func<ISigner>)(() => new Ed25519phSigner(ctx))).SetArgDisplayNames("Ed25519ph");
        yield return new TestCaseData("Ed25519", new EddsaParameters(true, []), (Func<ISigner>)(() => new Ed25519phSigner([]))).SetArgDisplayNames("Ed25519ph, no context");
        yield return new TestCaseData("Ed448", null, (Func<ISigner>)(() => new Ed448Signer([]))).SetArgDisplayNames("Ed448");
        yield return new TestCaseData("Ed448", new EddsaParameters(false, ctx), (Func<ISigner>)(() => new Ed448Signer(ctx))).SetArgDisplayNames("Ed448 with context");
        yield return new TestCaseData("Ed448", new EddsaParameters(true, ctx), (Func<ISigner>)(() => new Ed448phSigner(ctx))).SetArgDisplayNames("Ed448ph");
    }

    [TestCaseSource(nameof(Schemes))]
    public void Every_scheme_matches_BouncyCastle_single_and_multi_part(string curve, EddsaParameters? parameters, Func<ISigner> reference)
    {
        bool ed25519 = curve == "Ed25519";
        byte[] secret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(ed25519 ? 32 : 57);
        AsymmetricKeyParameter bcPrivate = ed25519 ? new Ed25519PrivateKeyParameters(secret) : new Ed448PrivateKeyParameters(secret);
        byte[] publicKey = ed25519 ? ((Ed25519PrivateKeyParameters)bcPrivate).GeneratePublicKey().GetEncoded()
                                   : ((Ed448PrivateKeyParameters)bcPrivate).GeneratePublicKey().GetEncoded();
        var ecParams = ed25519 ? Ed25519 : Ed448;
        ulong priv = Backend.CreateObject(Session, PrivateTemplate(CKK.CKK_EC_EDWARDS, ecParams, secret));
        ulong pub = Backend.CreateObject(Session, PublicTemplate(CKK.CKK_EC_EDWARDS, ecParams, OctetString(publicKey)));
        byte[] message = System.Security.Cryptography.RandomNumberGenerator.GetBytes(777);

        var signer = reference();
        signer.Init(true, bcPrivate);
        signer.BlockUpdate(message, 0, message.Length);
        byte[] expected = signer.GenerateSignature();

        byte[] single = Sign(CKM.CKM_EDDSA, priv, message, parameters);
        Assert.That(single, Is.EqualTo(expected), "single-part");

        Backend.SignInit(Session, new Mechanism(CKM.CKM_EDDSA, parameters), priv);
        Backend.SignUpdate(Session, message.AsSpan(0, 100));
        Backend.SignUpdate(Session, message.AsSpan(100));
        var multi = new byte[expected.Length];
        Assert.That(Backend.SignFinal(Session, multi, false), Is.EqualTo(expected.Length));
        Assert.That(multi, Is.EqualTo(expected), "multi-part");

        Verify(CKM.CKM_EDDSA, pub, message, expected, parameters);
        Backend.VerifyInit(Session, new Mechanism(CKM.CKM_EDDSA, parameters), pub);
        Backend.VerifyUpdate(Session, message.AsSpan(0, 1));
        Backend.VerifyUpdate(Session, message.AsSpan(1));
        Backend.VerifyFinal(Session, expected);

        expected[5] ^= 1;
        Assert.That(VerifyRv(CKM.CKM_EDDSA, pub, message, expected, parameters), Is.EqualTo(CKR.CKR_SIGNATURE_INVALID));
        Assert.That(VerifyRv(CKM.CKM_EDDSA, pub, message, expected[1..], parameters), Is.EqualTo(CKR.CKR_SIGNATURE_LEN_RANGE));
    }

    [Test]
    public void A_larger_signature_buffer_is_fine()
    {
        var (pub, priv) = Generate(CKM.CKM_EC_EDWARDS_KEY_PAIR_GEN, Ed25519);
        var buffer = new byte[1024];
        Backend.SignInit(Session, new Mechanism(CKM.CKM_EDDSA), priv);
        Assert.That(Backend.Sign(Session, "x"u8, buffer, sizeQuery: false), Is.EqualTo(64));
        Verify(CKM.CKM_EDDSA, pub, "x"u8.ToArray(), buffer[..64]);
        Backend.SignInit(Session, new Mechanism(CKM.CKM_EDDSA), priv);
        Backend.SignUpdate(Session, "x"u8);
        Assert.That(Backend.SignFinal(Session, buffer, sizeQuery: false), Is.EqualTo(64));
        Verify(CKM.CKM_EDDSA, pub, "x"u8.ToArray(), buffer[..64]);
    }

    [Test]
    public void Generated_keys_sign_and_verify()
    {
        foreach (var ecParams in new[] { Ed25519, Ed448 })
        {
            var (pub, priv) = Generate(CKM.CKM_EC_EDWARDS_KEY_PAIR_GEN, ecParams);
            byte[] sig = Sign(CKM.CKM_EDDSA, priv, "hello"u8.ToArray());
            Assert.That(sig, Has.Length.EqualTo(ecParams == Ed25519 ? 64 : 114));
            Verify(CKM.CKM_EDDSA, pub, "hello"u8.ToArray(), sig);
        }
    }

    [Test]
    public void Wrong_keys_and_parameters_are_refused()
    {
        var (ecPub, ecPriv) = Generate(CKM.CKM_EC_KEY_PAIR_GEN, P256);
        Assert.That(Rv(() => Backend.SignInit(Session, new Mechanism(CKM.CKM_EDDSA), ecPriv)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
        Assert.That(Rv(() => Backend.VerifyInit(Session, new Mechanism(CKM.CKM_EDDSA), ecPub)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
        var (_, edPriv) = Generate(CKM.CKM_EC_EDWARDS_KEY_PAIR_GEN, Ed25519);
        Assert.That(Rv(() => Backend.SignInit(Session, new Mechanism(CKM.CKM_EDDSA, new ByteArrayParameter([1])), edPriv)),
            Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        Assert.That(Rv(() => Backend.SignInit(Session, new Mechanism(CKM.CKM_EDDSA, new EddsaParameters(false, new byte[256])), edPriv)),
            Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        ulong badPub = Backend.CreateObject(Session, PublicTemplate(CKK.CKK_EC_EDWARDS, Ed25519, new byte[31]));
        Assert.That(Rv(() => Backend.VerifyInit(Session, new Mechanism(CKM.CKM_EDDSA), badPub)), Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID));
        ulong notAPoint = Backend.CreateObject(Session, PublicTemplate(CKK.CKK_EC_EDWARDS, Ed25519, NotOnEdwards25519()));
        Assert.That(Rv(() => Backend.VerifyInit(Session, new Mechanism(CKM.CKM_EDDSA), notAPoint)), Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID),
            "a y with no x on edwards25519");
    }

    /// <summary>A 32-byte encoding that decodes to no point (about half of all y have no x).</summary>
    private static byte[] NotOnEdwards25519()
    {
        for (byte y = 2; ; y++)
        {
            var candidate = new byte[32];
            candidate[0] = y;
            try
            {
                _ = new Ed25519PublicKeyParameters(candidate);
            }
            catch (ArgumentException)
            {
                return candidate;
            }
        }
    }
}
