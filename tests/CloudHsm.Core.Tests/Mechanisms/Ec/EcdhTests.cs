using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Mechanisms.Ec;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Ec;

/// <summary>CKM_ECDH1_DERIVE (§6.3) on P-curves and X25519/X448, with CKD_NULL and the X9.63 KDFs.</summary>
[TestFixture]
public sealed class EcdhTests : EcFixture
{
    private static Template SecretTemplate(ulong? valueLen = null, CKK keyType = CKK.CKK_GENERIC_SECRET, bool sensitive = false, bool extractable = true) => new(
    [
        TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY),
        TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)keyType),
        TemplateAttribute.Bool(CKA.CKA_SENSITIVE, sensitive),
        TemplateAttribute.Bool(CKA.CKA_EXTRACTABLE, extractable),
        .. valueLen is ulong n ? [TemplateAttribute.ULong(CKA.CKA_VALUE_LEN, n)] : Array.Empty<TemplateAttribute>(),
    ]);

    private ulong Derive(ulong baseKey, Ecdh1DeriveParameters parameters, Template template) =>
        Backend.DeriveKey(Session, new Mechanism(CKM.CKM_ECDH1_DERIVE, parameters), baseKey, template).Key;

    private static Ecdh1DeriveParameters Params(byte[] publicData, CKD kdf = CKD.CKD_NULL, byte[]? shared = null) =>
        new(kdf, shared ?? [], publicData);

    [TestCase("1.2.840.10045.3.1.7")]
    [TestCase("1.3.132.0.34")]
    [TestCase("1.3.132.0.35")]
    [TestCase("1.3.132.0.10")]
    public void Token_and_dotnet_agree_with_raw_and_DER_public_data(string oid)
    {
        var ecParams = Oid(oid);
        var (pub, priv) = Generate(CKM.CKM_EC_KEY_PAIR_GEN, ecParams);
        using var peer = ECDiffieHellman.Create(DotNetCurve(ecParams));
        var q = peer.ExportParameters(false).Q;
        byte[] raw = [0x04, .. q.X!, .. q.Y!];
        using var tokenPublic = ECDiffieHellman.Create(PublicParameters(pub, ecParams));
        byte[] expected = peer.DeriveRawSecretAgreement(tokenPublic.PublicKey);
        foreach (var publicData in new[] { raw, OctetString(raw) })
        {
            byte[] z = Read(Derive(priv, Params(publicData), SecretTemplate()), CKA.CKA_VALUE);
            Assert.That(z, Is.EqualTo(expected), "CKD_NULL without CKA_VALUE_LEN: all of Z");
        }
    }

    [Test]
    public void X963_KDF_and_truncation_and_key_types()
    {
        var (pubA, privA) = Generate(CKM.CKM_EC_KEY_PAIR_GEN, P256);
        var (pubB, privB) = Generate(CKM.CKM_EC_KEY_PAIR_GEN, P256);
        byte[] pointA = Unwrap(Read(pubA, CKA.CKA_EC_POINT)), pointB = Unwrap(Read(pubB, CKA.CKA_EC_POINT));
        byte[] z = Read(Derive(privA, Params(pointB), SecretTemplate()), CKA.CKA_VALUE);
        Assert.That(Read(Derive(privB, Params(pointA), SecretTemplate()), CKA.CKA_VALUE), Is.EqualTo(z), "both parties get Z");

        byte[] info = "shared info"u8.ToArray();
        foreach (var (kdf, hash) in new[] { (CKD.CKD_SHA1_KDF, HashAlgorithmName.SHA1), (CKD.CKD_SHA256_KDF, HashAlgorithmName.SHA256),
            (CKD.CKD_SHA384_KDF, HashAlgorithmName.SHA384), (CKD.CKD_SHA512_KDF, HashAlgorithmName.SHA512) })
        {
            byte[] expected = X963(hash, z, info, 80);
            Assert.That(Read(Derive(privA, Params(pointB, kdf, info), SecretTemplate(80)), CKA.CKA_VALUE), Is.EqualTo(expected), kdf.ToString());
        }
        Assert.That(Read(Derive(privA, Params(pointB, CKD.CKD_SHA224_KDF), SecretTemplate(16)), CKA.CKA_VALUE), Has.Length.EqualTo(16));

        Assert.That(Read(Derive(privA, Params(pointB), SecretTemplate(20)), CKA.CKA_VALUE), Is.EqualTo(z[^20..]),
            "§6.3: truncation removes bytes from the leading end");
        ulong aes = Derive(privA, Params(pointB, CKD.CKD_SHA256_KDF), SecretTemplate(16, CKK.CKK_AES));
        Assert.That(AttributeValues.ToULong(CKA.CKA_KEY_TYPE, Read(aes, CKA.CKA_KEY_TYPE)), Is.EqualTo((ulong)CKK.CKK_AES));
        Assert.That(Read(Derive(privA, Params(pointB), SecretTemplate(keyType: CKK.CKK_AES)), CKA.CKA_VALUE), Is.EqualTo(z), "AES-256 from P-256's Z");

        Assert.That(Rv(() => Derive(privA, Params(pointB), SecretTemplate(33))), Is.EqualTo(CKR.CKR_KEY_SIZE_RANGE), "more than Z");
        Assert.That(Rv(() => Derive(privA, Params(pointB, CKD.CKD_SHA256_KDF), SecretTemplate())), Is.EqualTo(CKR.CKR_TEMPLATE_INCOMPLETE));
        Assert.That(Rv(() => Derive(privA, Params(pointB), SecretTemplate(20, CKK.CKK_AES))), Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID));
    }

    private static byte[] X963(HashAlgorithmName hash, byte[] z, byte[] info, int length)
    {
        var output = new List<byte>();
        for (uint counter = 1; output.Count < length; counter++)
            output.AddRange(CryptographicOperations.HashData(hash, [.. z, (byte)(counter >> 24), (byte)(counter >> 16), (byte)(counter >> 8), (byte)counter, .. info]));
        return [.. output.Take(length)];
    }

    [Test]
    public void Derived_key_history_follows_the_base_key()
    {
        var (pubB, _) = Generate(CKM.CKM_EC_KEY_PAIR_GEN, P256);
        byte[] pointB = Unwrap(Read(pubB, CKA.CKA_EC_POINT));
        var (_, generated) = Generate(CKM.CKM_EC_KEY_PAIR_GEN, P256); // always sensitive, never extractable
        ulong guarded = Derive(generated, Params(pointB), SecretTemplate(sensitive: true, extractable: false));
        Assert.That(Read(guarded, CKA.CKA_LOCAL), Is.EqualTo(new byte[] { 0 }), "derived keys are not local");
        Assert.That(Read(guarded, CKA.CKA_ALWAYS_SENSITIVE), Is.EqualTo(new byte[] { 1 }));
        Assert.That(Read(guarded, CKA.CKA_NEVER_EXTRACTABLE), Is.EqualTo(new byte[] { 1 }));
        ulong open = Derive(generated, Params(pointB), SecretTemplate());
        Assert.That(Read(open, CKA.CKA_ALWAYS_SENSITIVE), Is.EqualTo(new byte[] { 0 }));
        Assert.That(Read(open, CKA.CKA_NEVER_EXTRACTABLE), Is.EqualTo(new byte[] { 0 }));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        ulong imported = Backend.CreateObject(Session, PrivateTemplate(CKK.CKK_EC, P256, key.ExportParameters(true).D,
            TemplateAttribute.Bool(CKA.CKA_SENSITIVE, true), TemplateAttribute.Bool(CKA.CKA_EXTRACTABLE, false)));
        ulong fromImported = Derive(imported, Params(pointB), SecretTemplate(sensitive: true, extractable: false));
        Assert.That(Read(fromImported, CKA.CKA_ALWAYS_SENSITIVE), Is.EqualTo(new byte[] { 0 }), "the base key was not always sensitive");
        Assert.That(Read(fromImported, CKA.CKA_NEVER_EXTRACTABLE), Is.EqualTo(new byte[] { 0 }));
    }

    [Test]
    public void The_base_keys_derive_template_applies()
    {
        var (pubB, _) = Generate(CKM.CKM_EC_KEY_PAIR_GEN, P256);
        byte[] pointB = Unwrap(Read(pubB, CKA.CKA_EC_POINT));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] deriveTemplate = AttributeCodec.Encode(new Template([TemplateAttribute.Bool(CKA.CKA_EXTRACTABLE, false)]));
        ulong baseKey = Backend.CreateObject(Session, PrivateTemplate(CKK.CKK_EC, P256, key.ExportParameters(true).D,
            new TemplateAttribute(CKA.CKA_DERIVE_TEMPLATE, deriveTemplate)));
        Assert.That(Rv(() => Derive(baseKey, Params(pointB), SecretTemplate(extractable: true))), Is.EqualTo(CKR.CKR_TEMPLATE_INCONSISTENT),
            "the caller's template contradicts CKA_DERIVE_TEMPLATE");
        ulong derived = Derive(baseKey, Params(pointB), new Template([TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY)]));
        Assert.That(Read(derived, CKA.CKA_EXTRACTABLE), Is.EqualTo(new byte[] { 0 }), "CKA_DERIVE_TEMPLATE supplied it");
    }

    [Test]
    public void X25519_matches_RFC_7748()
    {
        byte[] alice = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bobPublic = Convert.FromHexString("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        byte[] shared = Convert.FromHexString("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        ulong priv = Backend.CreateObject(Session, PrivateTemplate(CKK.CKK_EC_MONTGOMERY, CurveName("curve25519"), alice));
        Assert.That(Read(Derive(priv, Params(bobPublic), SecretTemplate()), CKA.CKA_VALUE), Is.EqualTo(shared));
        Assert.That(Read(Derive(priv, Params(OctetString(bobPublic)), SecretTemplate()), CKA.CKA_VALUE), Is.EqualTo(shared), "DER public data");
        Assert.That(Rv(() => Derive(priv, Params(new byte[32]), SecretTemplate())), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "u = 0 has small order");
        Assert.That(Rv(() => Derive(priv, Params(bobPublic[1..]), SecretTemplate())), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "31 bytes");
    }

    [Test]
    public void Generated_Montgomery_keys_agree()
    {
        foreach (var ecParams in new[] { X25519, X448 })
        {
            var (pubA, privA) = Generate(CKM.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, ecParams);
            var (pubB, privB) = Generate(CKM.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, ecParams);
            byte[] ab = Read(Derive(privA, Params(Unwrap(Read(pubB, CKA.CKA_EC_POINT))), SecretTemplate()), CKA.CKA_VALUE);
            byte[] ba = Read(Derive(privB, Params(Read(pubA, CKA.CKA_EC_POINT)), SecretTemplate()), CKA.CKA_VALUE);
            Assert.That(ab, Is.EqualTo(ba));
            Assert.That(ab, Has.Length.EqualTo(ecParams == X25519 ? 32 : 56));
        }
    }

    [Test]
    public void Bad_parameters_and_keys_are_refused()
    {
        var (pub, priv) = Generate(CKM.CKM_EC_KEY_PAIR_GEN, P256);
        byte[] point = Unwrap(Read(pub, CKA.CKA_EC_POINT));
        byte[] offCurve = [.. point[..^1], (byte)(point[^1] ^ 1)];
        Assert.That(Rv(() => Derive(priv, Params(offCurve), SecretTemplate())), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "off the curve");
        Assert.That(Rv(() => Derive(priv, Params(point[..^1]), SecretTemplate())), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "wrong length");
        Assert.That(Rv(() => Derive(priv, Params([(byte)(2 + (point[^1] & 1)), .. point[1..33]]), SecretTemplate())),
            Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "compressed");
        Assert.That(Rv(() => Derive(priv, Params([0x04, .. new byte[64]]), SecretTemplate())), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "(0, 0)");
        Assert.That(Rv(() => Derive(priv, Params([0x00]), SecretTemplate())), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "the identity");
        Assert.That(Rv(() => Derive(priv, Params(point, CKD.CKD_NULL, [1]), SecretTemplate())), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID),
            "CKD_NULL with shared data");
        Assert.That(Rv(() => Derive(priv, Params(point, CKD.CKD_SHA1_KDF_ASN1), SecretTemplate(16))), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        Assert.That(Rv(() => Derive(priv, Params(point, (CKD)0x77), SecretTemplate(16))), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        Assert.That(Rv(() => Backend.DeriveKey(Session, new Mechanism(CKM.CKM_ECDH1_DERIVE), priv, SecretTemplate())), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        Assert.That(Rv(() => Backend.DeriveKey(Session, new Mechanism(CKM.CKM_ECDH1_DERIVE, new ByteArrayParameter(point)), priv, SecretTemplate())),
            Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));

        var (x25519Pub, x25519Priv) = Generate(CKM.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, X25519);
        Assert.That(Rv(() => Derive(x25519Priv, Params(point), SecretTemplate())), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "a P-256 point to X25519");
        Assert.That(Rv(() => Derive(priv, Params(Unwrap(Read(x25519Pub, CKA.CKA_EC_POINT))), SecretTemplate())), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        var (_, edPriv) = Generate(CKM.CKM_EC_EDWARDS_KEY_PAIR_GEN, Ed25519);
        Assert.That(Rv(() => Derive(edPriv, Params(point), SecretTemplate())), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT), "Edwards keys do no ECDH");
        Assert.That(Rv(() => Backend.DeriveKey(Session, new Mechanism(CKM.CKM_ECDH1_DERIVE, Params(point)), pub, SecretTemplate())),
            Is.Not.EqualTo(CKR.CKR_OK), "a public key");
        Assert.That(Rv(() => Derive(priv, Params(point), new Template([TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_DATA)]))),
            Is.EqualTo(CKR.CKR_TEMPLATE_INCONSISTENT), "a derived key is a secret key");
    }
}
