using System.Diagnostics;
using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Wrapping;
using CloudHsm.Core.Objects;
using CloudHsm.Core.Tests.Objects;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace CloudHsm.Core.Tests.Mechanisms.Wrapping;

/// <summary>A wrapped key's plaintext (§6.7): PKCS#8 for every private key type, checked against the BCL,
/// BouncyCastle and OpenSSL, and CKA_VALUE for secret keys.</summary>
public class KeyCodecTests
{
    private static readonly string[] EcCurves = ["1.2.840.10045.3.1.7", "1.3.132.0.34", "1.3.132.0.35", "1.3.132.0.10"];

    [Test]
    public void RsaPkcs8IsTheBclsAndComesBackAsTheSameKey()
    {
        using var rsa = RSA.Create(2048);
        var key = WrapKeys.Rsa(rsa.ExportParameters(true));

        byte[] pkcs8 = KeyCodec.Encode(key);

        Assert.That(pkcs8, Is.EqualTo(rsa.ExportPkcs8PrivateKey()), "same DER as RSA.ExportPkcs8PrivateKey");
        var decoded = KeyCodec.Decode(pkcs8, WrapKeys.UnwrapTemplate(CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA));
        Assert.That(decoded.KeyType, Is.EqualTo(CKK.CKK_RSA));
        foreach (var (type, value) in decoded.Values)
            Assert.That(value, Is.EqualTo(WrapKeys.Value(key, type)), type.ToString());
    }

    [Test]
    public void RsaPkcs8FromTheBclDecodesToAKeyTheBclSignsWith()
    {
        using var rsa = RSA.Create(3072);
        var values = KeyCodec.Decode(rsa.ExportPkcs8PrivateKey(), WrapKeys.UnwrapTemplate(CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA)).Values;
        using var imported = RSA.Create(new RSAParameters
        {
            Modulus = values[CKA.CKA_MODULUS], Exponent = values[CKA.CKA_PUBLIC_EXPONENT], D = values[CKA.CKA_PRIVATE_EXPONENT],
            P = values[CKA.CKA_PRIME_1], Q = values[CKA.CKA_PRIME_2], DP = values[CKA.CKA_EXPONENT_1],
            DQ = values[CKA.CKA_EXPONENT_2], InverseQ = values[CKA.CKA_COEFFICIENT],
        });
        byte[] signature = imported.SignData("data"u8.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        Assert.That(rsa.VerifyData("data"u8.ToArray(), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss), Is.True);
    }

    [TestCaseSource(nameof(EcCurves))]
    public void EcPkcs8IsTheBclsWithPublicKeyAndRoundTrips(string curve)
    {
        using var ec = ECDsa.Create(ECCurve.CreateFromValue(curve));
        var key = WrapKeys.Ec(curve, ec.ExportParameters(true).D!);

        byte[] pkcs8 = KeyCodec.Encode(key);

        Assert.That(pkcs8, Is.EqualTo(ec.ExportPkcs8PrivateKey()), "same DER as ECDsa.ExportPkcs8PrivateKey, public key included");
        var decoded = KeyCodec.Decode(pkcs8, WrapKeys.UnwrapTemplate(CKO.CKO_PRIVATE_KEY, CKK.CKK_EC));
        Assert.That(decoded.Values[CKA.CKA_EC_PARAMS], Is.EqualTo(WrapKeys.NamedCurve(curve)));
        Assert.That(decoded.Values[CKA.CKA_VALUE], Is.EqualTo(WrapKeys.Value(key, CKA.CKA_VALUE)));
    }

    [Test]
    public void EcScalarWithLeadingZerosIsWrittenAtTheCurvesWidth()
    {
        byte[] d = new byte[32];
        d[31] = 7;
        var key = WrapKeys.Ec("1.2.840.10045.3.1.7", d[30..]); // [0, 7]: a short, zero-led CKA_VALUE
        using var ec = ECDsa.Create();
        ec.ImportPkcs8PrivateKey(KeyCodec.Encode(key), out _);
        Assert.That(ec.ExportParameters(true).D, Is.EqualTo(d));
    }

    [Test]
    public void EcPkcs8WithoutPublicKeyOrWithBerIsRead()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        byte[] d = ec.ExportParameters(true).D!;
        // RFC 5915 minimal form, parameters inside the ECPrivateKey too (§6.7 says omit them; be liberal).
        var bc = PrivateKeyInfoFactory.CreatePrivateKeyInfo(new ECPrivateKeyParameters("EC",
            new Org.BouncyCastle.Math.BigInteger(1, d), new Org.BouncyCastle.Asn1.DerObjectIdentifier("1.3.132.0.34")));
        var decoded = KeyCodec.Decode(bc.GetDerEncoded(), WrapKeys.UnwrapTemplate(CKO.CKO_PRIVATE_KEY, CKK.CKK_EC));
        Assert.That(decoded.Values[CKA.CKA_VALUE], Is.EqualTo(d));
    }

    [TestCase(CKK.CKK_EC_EDWARDS, "1.3.101.112", 32)]
    [TestCase(CKK.CKK_EC_EDWARDS, "1.3.101.113", 57)]
    [TestCase(CKK.CKK_EC_MONTGOMERY, "1.3.101.110", 32)]
    [TestCase(CKK.CKK_EC_MONTGOMERY, "1.3.101.111", 56)]
    public void Rfc8410KeysReadByBouncyCastleAndRoundTrip(CKK keyType, string oid, int length)
    {
        byte[] value = RandomNumberGenerator.GetBytes(length);
        var key = WrapKeys.Curve(keyType, WrapKeys.NamedCurve(oid), value);

        byte[] pkcs8 = KeyCodec.Encode(key);

        Assert.That(BouncyCastleRead(pkcs8), Is.EqualTo(value), "BouncyCastle's PrivateKeyFactory reads the same key");
        var decoded = KeyCodec.Decode(pkcs8, WrapKeys.UnwrapTemplate(CKO.CKO_PRIVATE_KEY, keyType));
        Assert.That(decoded.Values[CKA.CKA_VALUE], Is.EqualTo(value));
        Assert.That(decoded.Values[CKA.CKA_EC_PARAMS], Is.EqualTo(WrapKeys.NamedCurve(oid)));
    }

    /// <summary>BouncyCastle writes RFC 5958 v2 (OneAsymmetricKey with the public key): read that too.</summary>
    [TestCase(CKK.CKK_EC_EDWARDS, "1.3.101.112", 32)]
    [TestCase(CKK.CKK_EC_EDWARDS, "1.3.101.113", 57)]
    [TestCase(CKK.CKK_EC_MONTGOMERY, "1.3.101.110", 32)]
    [TestCase(CKK.CKK_EC_MONTGOMERY, "1.3.101.111", 56)]
    public void Rfc8410KeysFromBouncyCastleAreRead(CKK keyType, string oid, int length)
    {
        byte[] value = RandomNumberGenerator.GetBytes(length);
        var decoded = KeyCodec.Decode(BouncyCastlePkcs8(oid, value), WrapKeys.UnwrapTemplate(CKO.CKO_PRIVATE_KEY, keyType));
        Assert.That(decoded.Values[CKA.CKA_VALUE], Is.EqualTo(value));
    }

    [TestCase(CKK.CKK_EC_EDWARDS, "edwards25519", "1.3.101.112", 32)]
    [TestCase(CKK.CKK_EC_MONTGOMERY, "curve448", "1.3.101.111", 56)]
    public void Rfc8410CurveNamedByPrintableStringIsWrapped(CKK keyType, string name, string oid, int length)
    {
        byte[] value = RandomNumberGenerator.GetBytes(length);
        var key = WrapKeys.Curve(keyType, WrapKeys.PrintableName(name), value);
        Assert.That(KeyCodec.Decode(KeyCodec.Encode(key), WrapKeys.UnwrapTemplate(CKO.CKO_PRIVATE_KEY, keyType)).Values[CKA.CKA_EC_PARAMS],
            Is.EqualTo(WrapKeys.NamedCurve(oid)));
        Assert.That(BouncyCastleRead(KeyCodec.Encode(key)), Is.EqualTo(value));
    }

    [Test]
    public void Ed25519FromBouncyCastleSignsLikeTheOriginal()
    {
        var original = new Ed25519PrivateKeyParameters(new SecureRandom());
        byte[] pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(original).GetDerEncoded();
        var values = KeyCodec.Decode(pkcs8, WrapKeys.UnwrapTemplate(CKO.CKO_PRIVATE_KEY, CKK.CKK_EC_EDWARDS)).Values;
        Assert.That(values[CKA.CKA_VALUE], Is.EqualTo(original.GetEncoded()));
    }

    [Test]
    public void OpenSslReadsTheRsaAndEcKeys()
    {
        using var rsa = RSA.Create(2048);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rsaText = OpenSslText(KeyCodec.Encode(WrapKeys.Rsa(rsa.ExportParameters(true))));
        var ecText = OpenSslText(KeyCodec.Encode(WrapKeys.Ec("1.2.840.10045.3.1.7", ec.ExportParameters(true).D!)));
        Assert.That(rsaText, Does.Contain("Private-Key: (2048 bit, 2 primes)"));
        Assert.That(ecText, Does.Contain("Private-Key: (256 bit)").And.Contain("prime256v1"));
    }

    [Test]
    public void TemplateOfAnotherKeyTypeIsInconsistent()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rv = Assert.Catch<CkrException>(() => KeyCodec.Decode(ec.ExportPkcs8PrivateKey(),
            WrapKeys.UnwrapTemplate(CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA)))!.Rv;
        Assert.That(rv, Is.EqualTo(CKR.CKR_TEMPLATE_INCONSISTENT));
    }

    [Test]
    public void UnsupportedCurveIsCurveNotSupported()
    {
        using var ec = ECDsa.Create(ECCurve.CreateFromValue("1.3.36.3.3.2.8.1.1.7")); // brainpoolP256r1
        var rv = Assert.Catch<CkrException>(() => KeyCodec.Decode(ec.ExportPkcs8PrivateKey(),
            WrapKeys.UnwrapTemplate(CKO.CKO_PRIVATE_KEY, CKK.CKK_EC)))!.Rv;
        Assert.That(rv, Is.EqualTo(CKR.CKR_CURVE_NOT_SUPPORTED));
    }

    [TestCase(new byte[] { 0x30, 0x03, 0x02, 0x01 })]
    [TestCase(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 })]
    [TestCase(new byte[0])]
    public void GarbageIsWrappedKeyInvalid(byte[] plaintext)
    {
        var rv = Assert.Catch<CkrException>(() => KeyCodec.Decode(plaintext, WrapKeys.UnwrapTemplate(CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA)))!.Rv;
        Assert.That(rv, Is.EqualTo(CKR.CKR_WRAPPED_KEY_INVALID));
    }

    [Test]
    public void TrailingBytesAfterThePkcs8AreWrappedKeyInvalid()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] padded = [.. ec.ExportPkcs8PrivateKey(), 0, 0, 0];
        var rv = Assert.Catch<CkrException>(() => KeyCodec.Decode(padded, WrapKeys.UnwrapTemplate(CKO.CKO_PRIVATE_KEY, CKK.CKK_EC)))!.Rv;
        Assert.That(rv, Is.EqualTo(CKR.CKR_WRAPPED_KEY_INVALID));
    }

    [Test]
    public void SecretKeyIsItsValue()
    {
        byte[] value = RandomNumberGenerator.GetBytes(32);
        Assert.That(KeyCodec.Encode(WrapKeys.Aes(value)), Is.EqualTo(value));
    }

    [Test]
    public void PublicKeyIsNotWrappable()
    {
        using var rsa = RSA.Create(2048);
        var rv = Assert.Catch<CkrException>(() => KeyCodec.Encode(WrapKeys.RsaPublic(rsa.ExportParameters(false))))!.Rv;
        Assert.That(rv, Is.EqualTo(CKR.CKR_KEY_NOT_WRAPPABLE));
    }

    [TestCase(24, 20, ExpectedResult = 20)]
    [TestCase(20, null, ExpectedResult = 20)]
    [TestCase(32, 32, ExpectedResult = 32)]
    public int ValueLenTrimsZeroPadding(int plaintextLength, int? valueLen)
    {
        byte[] plaintext = new byte[plaintextLength];
        RandomNumberGenerator.Fill(plaintext.AsSpan(0, valueLen ?? plaintextLength));
        var template = WrapKeys.UnwrapTemplate(CKO.CKO_SECRET_KEY, CKK.CKK_GENERIC_SECRET);
        if (valueLen is int n) template = template.With(T.ULong(CKA.CKA_VALUE_LEN, (ulong)n));
        return KeyCodec.Decode(plaintext, template).Values[CKA.CKA_VALUE].Length;
    }

    [TestCase(CKK.CKK_GENERIC_SECRET, 16, 17UL)] // CKA_VALUE_LEN beyond the plaintext
    [TestCase(CKK.CKK_GENERIC_SECRET, 24, 16UL)] // non-zero bytes past CKA_VALUE_LEN
    [TestCase(CKK.CKK_AES, 20, null)]            // a length AES does not have
    public void LengthConflictIsWrappedKeyLenRange(CKK keyType, int plaintextLength, ulong? valueLen)
    {
        byte[] plaintext = RandomNumberGenerator.GetBytes(plaintextLength);
        for (int i = 0; i < plaintext.Length; i++) plaintext[i] |= 1; // no zero bytes
        var template = WrapKeys.UnwrapTemplate(CKO.CKO_SECRET_KEY, keyType);
        if (valueLen is ulong n) template = template.With(T.ULong(CKA.CKA_VALUE_LEN, n));
        var rv = Assert.Catch<CkrException>(() => KeyCodec.Decode(plaintext, template))!.Rv;
        Assert.That(rv, Is.EqualTo(CKR.CKR_WRAPPED_KEY_LEN_RANGE));
    }

    [Test]
    public void TemplateWithoutClassOrKeyTypeIsIncomplete()
    {
        Assert.That(Assert.Catch<CkrException>(() => KeyCodec.Decode(new byte[16], T.Of(T.KeyType(CKK.CKK_AES))))!.Rv,
            Is.EqualTo(CKR.CKR_TEMPLATE_INCOMPLETE));
        Assert.That(Assert.Catch<CkrException>(() => KeyCodec.Decode(new byte[16], T.Of(T.Class(CKO.CKO_SECRET_KEY))))!.Rv,
            Is.EqualTo(CKR.CKR_TEMPLATE_INCOMPLETE));
    }

    private static byte[] BouncyCastlePkcs8(string oid, byte[] value)
    {
        Org.BouncyCastle.Crypto.AsymmetricKeyParameter key = oid switch
        {
            "1.3.101.112" => new Ed25519PrivateKeyParameters(value),
            "1.3.101.113" => new Ed448PrivateKeyParameters(value),
            "1.3.101.110" => new X25519PrivateKeyParameters(value),
            _ => new X448PrivateKeyParameters(value),
        };
        return PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded();
    }

    private static byte[] BouncyCastleRead(byte[] pkcs8) => PrivateKeyFactory.CreateKey(pkcs8) switch
    {
        Ed25519PrivateKeyParameters k => k.GetEncoded(),
        Ed448PrivateKeyParameters k => k.GetEncoded(),
        X25519PrivateKeyParameters k => k.GetEncoded(),
        X448PrivateKeyParameters k => k.GetEncoded(),
        var other => throw new AssertionException($"BouncyCastle read a {other.GetType().Name}"),
    };

    private static string OpenSslText(byte[] der)
    {
        string path = Path.Combine(Path.GetTempPath(), $"wrap-{Guid.NewGuid():N}.der");
        File.WriteAllBytes(path, der);
        try
        {
            var start = new ProcessStartInfo("openssl", ["pkey", "-inform", "DER", "-in", path, "-noout", "-text"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.That(process.ExitCode, Is.Zero, error);
            return output;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
