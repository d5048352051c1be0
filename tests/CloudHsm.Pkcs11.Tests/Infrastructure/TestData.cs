using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Net.Pkcs11Interop.Common;

namespace CloudHsm.Pkcs11.Tests.Infrastructure;

/// <summary>Known-answer vectors and key material for the object and mechanism tests.</summary>
public static class TestData
{
    public static byte[] Hex(string hex) => Convert.FromHexString(hex);

    /// <summary>A FIPS 180-4 example message and its digests (computed independently, checked against the standard's examples).</summary>
    public sealed record DigestVector(string Name, byte[] Message, IReadOnlyDictionary<CKM, string> Digests)
    {
        public override string ToString() => Name;
    }

    public static readonly DigestVector[] DigestVectors =
    [
        new("empty", [], new Dictionary<CKM, string>
        {
            [CKM.CKM_SHA_1] = "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            [CKM.CKM_SHA224] = "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f",
            [CKM.CKM_SHA256] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            [CKM.CKM_SHA384] = "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
            [CKM.CKM_SHA512] = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
            [CKM.CKM_SHA512_224] = "6ed0dd02806fa89e25de060c19d3ac86cabb87d6a0ddd05c333b84f4",
            [CKM.CKM_SHA512_256] = "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a",
        }),
        new("abc", Encoding.ASCII.GetBytes("abc"), new Dictionary<CKM, string>
        {
            [CKM.CKM_SHA_1] = "a9993e364706816aba3e25717850c26c9cd0d89d",
            [CKM.CKM_SHA224] = "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
            [CKM.CKM_SHA256] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            [CKM.CKM_SHA384] = "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
            [CKM.CKM_SHA512] = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            [CKM.CKM_SHA512_224] = "4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa",
            [CKM.CKM_SHA512_256] = "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23",
        }),
        new("448-bit", Encoding.ASCII.GetBytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), new Dictionary<CKM, string>
        {
            [CKM.CKM_SHA_1] = "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
            [CKM.CKM_SHA224] = "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525",
            [CKM.CKM_SHA256] = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            [CKM.CKM_SHA384] = "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b",
            [CKM.CKM_SHA512] = "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445",
            [CKM.CKM_SHA512_224] = "e5302d6d54bb242275d1e7622d68df6eb02dedd13f564c13dbda2174",
            [CKM.CKM_SHA512_256] = "bde8e1f9f19bb9fd3406c90ec6bc47bd36d8ada9f11880dbc8a22a7078b6a461",
        }),
        new("million-a", Encoding.ASCII.GetBytes(new string('a', 1_000_000)), new Dictionary<CKM, string>
        {
            [CKM.CKM_SHA_1] = "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
            [CKM.CKM_SHA224] = "20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67",
            [CKM.CKM_SHA256] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
            [CKM.CKM_SHA384] = "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985",
            [CKM.CKM_SHA512] = "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
            [CKM.CKM_SHA512_224] = "37ab331d76f0d36de422bd0edeb22a28accd487b7a8453ae965dd287",
            [CKM.CKM_SHA512_256] = "9a59a052930187a97038cae692f30708aa6491923ef5194394dc68d56c74fb21",
        }),
    ];

    /// <summary>The digest mechanisms this stage of the library must offer (the contract).</summary>
    public static readonly CKM[] RequiredDigests = [CKM.CKM_SHA_1, CKM.CKM_SHA224, CKM.CKM_SHA256, CKM.CKM_SHA384, CKM.CKM_SHA512];

    /// <summary>Every digest the tables know; those the module lacks are ignored (CKR_MECHANISM_INVALID).</summary>
    public static readonly CKM[] AllDigests = [.. RequiredDigests, CKM.CKM_SHA512_224, CKM.CKM_SHA512_256];

    public static int DigestLength(CKM m) => m switch
    {
        CKM.CKM_SHA_1 => 20,
        CKM.CKM_SHA224 or CKM.CKM_SHA512_224 => 28,
        CKM.CKM_SHA256 or CKM.CKM_SHA512_256 => 32,
        CKM.CKM_SHA384 => 48,
        CKM.CKM_SHA512 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(m)),
    };

    /// <summary>.NET's own digest, for random inputs (no SHA-224 in .NET: null).</summary>
    public static byte[]? DotNetDigest(CKM m, byte[] data) => m switch
    {
        CKM.CKM_SHA_1 => SHA1.HashData(data),
        CKM.CKM_SHA256 => SHA256.HashData(data),
        CKM.CKM_SHA384 => SHA384.HashData(data),
        CKM.CKM_SHA512 => SHA512.HashData(data),
        _ => null,
    };

    // --- key material -------------------------------------------------------------------------------------

    private static readonly Lazy<RSAParameters> Rsa2048 = new(() =>
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportParameters(includePrivateParameters: true);
    });

    public static RSAParameters RsaKey => Rsa2048.Value;

    /// <summary>DER OID of P-256 (prime256v1), the CKA_EC_PARAMS of a named-curve key.</summary>
    public static readonly byte[] P256Params = Hex("06082A8648CE3D030107");

    private static readonly Lazy<ECParameters> EcP256 = new(() =>
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return ec.ExportParameters(includePrivateParameters: true);
    });

    public static ECParameters EcKey => EcP256.Value;

    /// <summary>CKA_EC_POINT: the DER OCTET STRING holding the uncompressed point 04||X||Y.</summary>
    public static byte[] EcPointDer(ECParameters p)
    {
        byte[] point = [0x04, .. p.Q.X!, .. p.Q.Y!];
        return [0x04, (byte)point.Length, .. point];
    }

    private static readonly Lazy<(byte[] Der, byte[] Subject, byte[] Issuer, byte[] Serial)> Cert = new(() =>
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=CloudHsm Pkcs11 Tests", key, HashAlgorithmName.SHA256);
        using X509Certificate2 cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return (cert.RawData, cert.SubjectName.RawData, cert.IssuerName.RawData, cert.GetSerialNumber().Reverse().ToArray());
    });

    public static byte[] CertificateDer => Cert.Value.Der;
    public static byte[] CertificateSubject => Cert.Value.Subject;
    public static byte[] CertificateIssuer => Cert.Value.Issuer;
    public static byte[] CertificateSerial => Cert.Value.Serial;

    /// <summary>CKA_CHECK_VALUE of an AES key: the first 3 bytes of AES-ECB(key, 0^128).</summary>
    public static byte[] AesCheckValue(byte[] key)
    {
        using var aes = Aes.Create();
        aes.Key = key;
        return aes.EncryptEcb(new byte[16], PaddingMode.None)[..3];
    }

    /// <summary>CKA_CHECK_VALUE of a generic secret: the first 3 bytes of SHA-1(CKA_VALUE).</summary>
    public static byte[] GenericSecretCheckValue(byte[] key) => SHA1.HashData(key)[..3];

    // --- templates ----------------------------------------------------------------------------------------

    public static Attr[] DataObject(string label, bool token = false, bool priv = false, byte[]? value = null) =>
    [
        Attr.Class(CKO.CKO_DATA), Attr.Token(token), Attr.Private(priv), Attr.Label(label),
        Attr.Utf8(CKA.CKA_APPLICATION, "CloudHsm.Pkcs11.Tests"), Attr.Bytes(CKA.CKA_VALUE, value ?? Encoding.UTF8.GetBytes("value of " + label)),
    ];

    public static Attr[] AesKey(string label, byte[] value, bool token = false, bool sensitive = false, bool priv = true, bool extractable = true) =>
    [
        Attr.Class(CKO.CKO_SECRET_KEY), Attr.KeyType(CKK.CKK_AES), Attr.Token(token), Attr.Private(priv), Attr.Label(label),
        Attr.Bool(CKA.CKA_SENSITIVE, sensitive), Attr.Bool(CKA.CKA_EXTRACTABLE, extractable),
        Attr.Bool(CKA.CKA_ENCRYPT, true), Attr.Bool(CKA.CKA_DECRYPT, true), Attr.Bytes(CKA.CKA_VALUE, value),
    ];

    public static Attr[] GenericSecret(string label, byte[] value, bool token = false, bool sensitive = false, bool priv = true) =>
    [
        Attr.Class(CKO.CKO_SECRET_KEY), Attr.KeyType(CKK.CKK_GENERIC_SECRET), Attr.Token(token), Attr.Private(priv), Attr.Label(label),
        Attr.Bool(CKA.CKA_SENSITIVE, sensitive), Attr.Bool(CKA.CKA_SIGN, true), Attr.Bool(CKA.CKA_VERIFY, true),
        Attr.Bytes(CKA.CKA_VALUE, value),
    ];

    public static Attr[] RsaPublicKey(string label, RSAParameters p, bool token = false) =>
    [
        Attr.Class(CKO.CKO_PUBLIC_KEY), Attr.KeyType(CKK.CKK_RSA), Attr.Token(token), Attr.Private(false), Attr.Label(label),
        Attr.Bool(CKA.CKA_VERIFY, true), Attr.Bool(CKA.CKA_ENCRYPT, true),
        Attr.Bytes(CKA.CKA_MODULUS, p.Modulus!), Attr.Bytes(CKA.CKA_PUBLIC_EXPONENT, p.Exponent!),
    ];

    public static Attr[] RsaPrivateKey(string label, RSAParameters p, bool token = false, bool sensitive = true) =>
    [
        Attr.Class(CKO.CKO_PRIVATE_KEY), Attr.KeyType(CKK.CKK_RSA), Attr.Token(token), Attr.Private(true), Attr.Label(label),
        Attr.Bool(CKA.CKA_SENSITIVE, sensitive), Attr.Bool(CKA.CKA_SIGN, true), Attr.Bool(CKA.CKA_DECRYPT, true),
        Attr.Bytes(CKA.CKA_MODULUS, p.Modulus!), Attr.Bytes(CKA.CKA_PUBLIC_EXPONENT, p.Exponent!),
        Attr.Bytes(CKA.CKA_PRIVATE_EXPONENT, p.D!), Attr.Bytes(CKA.CKA_PRIME_1, p.P!), Attr.Bytes(CKA.CKA_PRIME_2, p.Q!),
        Attr.Bytes(CKA.CKA_EXPONENT_1, p.DP!), Attr.Bytes(CKA.CKA_EXPONENT_2, p.DQ!), Attr.Bytes(CKA.CKA_COEFFICIENT, p.InverseQ!),
    ];

    public static Attr[] EcPublicKey(string label, ECParameters p, bool token = false) =>
    [
        Attr.Class(CKO.CKO_PUBLIC_KEY), Attr.KeyType(CKK.CKK_EC), Attr.Token(token), Attr.Private(false), Attr.Label(label),
        Attr.Bool(CKA.CKA_VERIFY, true), Attr.Bytes(CKA.CKA_EC_PARAMS, P256Params), Attr.Bytes(CKA.CKA_EC_POINT, EcPointDer(p)),
    ];

    public static Attr[] EcPrivateKey(string label, ECParameters p, bool token = false, bool sensitive = true) =>
    [
        Attr.Class(CKO.CKO_PRIVATE_KEY), Attr.KeyType(CKK.CKK_EC), Attr.Token(token), Attr.Private(true), Attr.Label(label),
        Attr.Bool(CKA.CKA_SENSITIVE, sensitive), Attr.Bool(CKA.CKA_SIGN, true),
        Attr.Bytes(CKA.CKA_EC_PARAMS, P256Params), Attr.Bytes(CKA.CKA_VALUE, p.D!),
    ];

    public static Attr[] X509Certificate(string label, bool token = false) =>
    [
        Attr.Class(CKO.CKO_CERTIFICATE), Attr.ULong(CKA.CKA_CERTIFICATE_TYPE, (ulong)CKC.CKC_X_509), Attr.Token(token),
        Attr.Private(false), Attr.Label(label), Attr.Bytes(CKA.CKA_SUBJECT, CertificateSubject),
        Attr.Bytes(CKA.CKA_ISSUER, CertificateIssuer), Attr.Bytes(CKA.CKA_VALUE, CertificateDer),
    ];

    /// <summary>Template with one attribute replaced (or removed when <paramref name="replacement"/> is null).</summary>
    public static Attr[] With(Attr[] template, CKA type, Attr? replacement)
    {
        var list = template.Where(a => a.Type != (ulong)type).ToList();
        if (replacement is { } r) list.Add(r);
        return list.ToArray();
    }

    public static Attr[] Without(Attr[] template, CKA type) => With(template, type, null);

    public static byte[] Random(int length) => RandomNumberGenerator.GetBytes(length);
}
