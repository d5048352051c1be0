using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Ec;

/// <summary>CKM_ECDSA and CKM_ECDSA_SHA* (§6.3) against .NET's ECDSA, with imported and generated keys.</summary>
[TestFixture]
public sealed class EcdsaTests : EcFixture
{
    private static readonly ECParameters Key = CreateKey(ECCurve.NamedCurves.nistP256);

    private static ECParameters CreateKey(ECCurve curve)
    {
        using var ec = ECDsa.Create(curve);
        return ec.ExportParameters(true);
    }

    private (ulong Public, ulong Private) Import(ECParameters p, byte[] ecParams) =>
        (Backend.CreateObject(Session, PublicTemplate(CKK.CKK_EC, ecParams, OctetString([0x04, .. p.Q.X!, .. p.Q.Y!]))),
         Backend.CreateObject(Session, PrivateTemplate(CKK.CKK_EC, ecParams, p.D)));

    public static IEnumerable<TestCaseData> HashedMechanisms()
    {
        yield return new TestCaseData(CKM.CKM_ECDSA_SHA1, HashAlgorithmName.SHA1);
        yield return new TestCaseData(CKM.CKM_ECDSA_SHA224, default(HashAlgorithmName));
        yield return new TestCaseData(CKM.CKM_ECDSA_SHA256, HashAlgorithmName.SHA256);
        yield return new TestCaseData(CKM.CKM_ECDSA_SHA384, HashAlgorithmName.SHA384);
        yield return new TestCaseData(CKM.CKM_ECDSA_SHA512, HashAlgorithmName.SHA512);
    }

    private static byte[] HashOf(CKM mechanism, byte[] data) => mechanism switch
    {
        CKM.CKM_ECDSA_SHA224 => Sha224(data),
        CKM.CKM_ECDSA_SHA1 => SHA1.HashData(data),
        CKM.CKM_ECDSA_SHA256 => SHA256.HashData(data),
        CKM.CKM_ECDSA_SHA384 => SHA384.HashData(data),
        _ => SHA512.HashData(data),
    };

    private static byte[] Sha224(byte[] data)
    {
        var d = new Org.BouncyCastle.Crypto.Digests.Sha224Digest();
        d.BlockUpdate(data, 0, data.Length);
        var h = new byte[28];
        d.DoFinal(h, 0);
        return h;
    }

    [TestCaseSource(nameof(HashedMechanisms))]
    public void Hashed_single_and_multi_part_signatures_verify_with_dotnet(CKM mechanism, HashAlgorithmName _)
    {
        var (pub, priv) = Import(Key, P256);
        using var ecdsa = ECDsa.Create(Key);
        byte[] data = RandomNumberGenerator.GetBytes(1000);

        byte[] single = Sign(mechanism, priv, data);
        Assert.That(single, Has.Length.EqualTo(64));
        Assert.That(ecdsa.VerifyHash(HashOf(mechanism, data), single), Is.True, "single-part");

        Backend.SignInit(Session, new Mechanism(mechanism), priv);
        Backend.SignUpdate(Session, data.AsSpan(0, 300));
        Backend.SignUpdate(Session, data.AsSpan(300));
        var multi = new byte[64];
        Assert.That(Backend.SignFinal(Session, multi, sizeQuery: false), Is.EqualTo(64));
        Assert.That(ecdsa.VerifyHash(HashOf(mechanism, data), multi), Is.True, "multi-part");

        Verify(mechanism, pub, data, multi);
        Backend.VerifyInit(Session, new Mechanism(mechanism), pub);
        Backend.VerifyUpdate(Session, data.AsSpan(0, 10));
        Backend.VerifyUpdate(Session, data.AsSpan(10));
        Backend.VerifyFinal(Session, single);
    }

    [TestCase(0)]
    [TestCase(20)]
    [TestCase(32)]
    [TestCase(64)]
    [TestCase(128)]
    public void Raw_ECDSA_takes_any_hash_length_and_truncates_long_ones(int length)
    {
        var (pub, priv) = Import(Key, P256);
        byte[] hash = RandomNumberGenerator.GetBytes(length);
        byte[] sig = Sign(CKM.CKM_ECDSA, priv, hash);
        Verify(CKM.CKM_ECDSA, pub, hash, sig);
        using var ecdsa = ECDsa.Create(Key);
        // X9.62: the leftmost n bits of the hash; an empty hash is the integer 0.
        byte[] used = length == 0 ? [0] : hash[..Math.Min(length, 32)];
        Assert.That(ecdsa.VerifyHash(used, sig), Is.True);
    }

    [Test]
    public void A_larger_signature_buffer_is_fine()
    {
        var (pub, priv) = Import(Key, P256);
        var buffer = new byte[200];
        Backend.SignInit(Session, new Mechanism(CKM.CKM_ECDSA_SHA256), priv);
        Assert.That(Backend.Sign(Session, "x"u8, buffer, sizeQuery: false), Is.EqualTo(64));
        Verify(CKM.CKM_ECDSA_SHA256, pub, "x"u8.ToArray(), buffer[..64]);
    }

    [Test]
    public void Raw_ECDSA_is_single_part_only()
    {
        var (_, priv) = Import(Key, P256);
        Backend.SignInit(Session, new Mechanism(CKM.CKM_ECDSA), priv);
        Assert.That(Rv(() => Backend.SignUpdate(Session, new byte[32])), Is.EqualTo(CKR.CKR_FUNCTION_NOT_SUPPORTED));
    }

    [Test]
    public void Tampered_and_wrong_length_signatures()
    {
        var (pub, priv) = Import(Key, P256);
        byte[] data = "data"u8.ToArray();
        byte[] sig = Sign(CKM.CKM_ECDSA_SHA256, priv, data);
        byte[] bad = (byte[])sig.Clone();
        bad[10] ^= 1;
        Assert.That(VerifyRv(CKM.CKM_ECDSA_SHA256, pub, data, bad), Is.EqualTo(CKR.CKR_SIGNATURE_INVALID));
        Assert.That(VerifyRv(CKM.CKM_ECDSA_SHA256, pub, "other"u8.ToArray(), sig), Is.EqualTo(CKR.CKR_SIGNATURE_INVALID));
        Assert.That(VerifyRv(CKM.CKM_ECDSA_SHA256, pub, data, [.. sig, 0]), Is.EqualTo(CKR.CKR_SIGNATURE_LEN_RANGE), "one byte too many");
        Assert.That(VerifyRv(CKM.CKM_ECDSA_SHA256, pub, data, [.. sig, 0, 0]), Is.EqualTo(CKR.CKR_SIGNATURE_LEN_RANGE), "longer than 2nLen");
        Assert.That(VerifyRv(CKM.CKM_ECDSA_SHA256, pub, data, sig[..63]), Is.EqualTo(CKR.CKR_SIGNATURE_LEN_RANGE), "odd length");
        Assert.That(VerifyRv(CKM.CKM_ECDSA_SHA256, pub, data, []), Is.EqualTo(CKR.CKR_SIGNATURE_LEN_RANGE), "empty");
        Assert.That(VerifyRv(CKM.CKM_ECDSA_SHA256, pub, data, [.. sig[1..32], .. sig[33..]]), Is.EqualTo(CKR.CKR_SIGNATURE_LEN_RANGE),
            "r and s must each have nLen bytes, even when they start with zeros");
    }

    [Test]
    public void Wrong_key_class_or_type_is_CKR_KEY_TYPE_INCONSISTENT()
    {
        var (edPub, edPriv) = Generate(CKM.CKM_EC_EDWARDS_KEY_PAIR_GEN, Ed25519);
        Assert.That(Rv(() => Backend.SignInit(Session, new Mechanism(CKM.CKM_ECDSA_SHA256), edPriv)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
        Assert.That(Rv(() => Backend.VerifyInit(Session, new Mechanism(CKM.CKM_ECDSA), edPub)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
        ulong secret = Backend.CreateObject(Session, new Template(
        [
            TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY),
            TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)CKK.CKK_GENERIC_SECRET),
            TemplateAttribute.Bool(CKA.CKA_SIGN, true),
            new(CKA.CKA_VALUE, new byte[32]),
        ]));
        Assert.That(Rv(() => Backend.SignInit(Session, new Mechanism(CKM.CKM_ECDSA_SHA256), secret)), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
        var (_, priv) = Import(Key, P256);
        Assert.That(Rv(() => Backend.SignInit(Session, new Mechanism(CKM.CKM_ECDSA, new ByteArrayParameter([1])), priv)),
            Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    [Test]
    public void Imported_keys_are_validated_at_first_use()
    {
        using var ecdsa = ECDsa.Create(Key);
        byte[] offCurve = [0x04, .. Key.Q.X!, .. Key.Q.Y![..31], (byte)(Key.Q.Y![31] ^ 1)];
        ulong pub = Backend.CreateObject(Session, PublicTemplate(CKK.CKK_EC, P256, OctetString(offCurve)));
        Assert.That(Rv(() => Backend.VerifyInit(Session, new Mechanism(CKM.CKM_ECDSA), pub)), Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID), "off the curve");
        byte[] compressed = [(byte)(2 + (Key.Q.Y![31] & 1)), .. Key.Q.X!];
        pub = Backend.CreateObject(Session, PublicTemplate(CKK.CKK_EC, P256, OctetString(compressed)));
        Assert.That(Rv(() => Backend.VerifyInit(Session, new Mechanism(CKM.CKM_ECDSA), pub)), Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID), "compressed");
        pub = Backend.CreateObject(Session, PublicTemplate(CKK.CKK_EC, P384, OctetString([0x04, .. Key.Q.X!, .. Key.Q.Y!])));
        Assert.That(Rv(() => Backend.VerifyInit(Session, new Mechanism(CKM.CKM_ECDSA), pub)), Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID), "wrong length for the curve");
        pub = Backend.CreateObject(Session, PublicTemplate(CKK.CKK_EC, Oid("1.3.36.3.3.2.8.1.1.7"), OctetString([0x04, .. Key.Q.X!, .. Key.Q.Y!])));
        Assert.That(Rv(() => Backend.VerifyInit(Session, new Mechanism(CKM.CKM_ECDSA), pub)), Is.EqualTo(CKR.CKR_CURVE_NOT_SUPPORTED));
        pub = Backend.CreateObject(Session, PublicTemplate(CKK.CKK_EC, Ed25519, OctetString([0x04, .. Key.Q.X!, .. Key.Q.Y!])));
        Assert.That(Rv(() => Backend.VerifyInit(Session, new Mechanism(CKM.CKM_ECDSA), pub)), Is.EqualTo(CKR.CKR_CURVE_NOT_SUPPORTED), "an Edwards curve on a CKK_EC key");

        byte[] n = Convert.FromHexString("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
        foreach (var (value, what) in new[] { (new byte[32], "zero"), (n, "n"), (new byte[33].Select(_ => (byte)0xFF).ToArray(), "too long") })
        {
            ulong priv = Backend.CreateObject(Session, PrivateTemplate(CKK.CKK_EC, P256, value));
            Assert.That(Rv(() => Backend.SignInit(Session, new Mechanism(CKM.CKM_ECDSA), priv)), Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID), what);
        }

        // Raw points and short scalars with or without leading zeros are fine.
        pub = Backend.CreateObject(Session, PublicTemplate(CKK.CKK_EC, P256, [0x04, .. Key.Q.X!, .. Key.Q.Y!]));
        ulong one = Backend.CreateObject(Session, PrivateTemplate(CKK.CKK_EC, P256, [0, 0, 1]));
        Backend.SignInit(Session, new Mechanism(CKM.CKM_ECDSA), one);
        Backend.Sign(Session, new byte[32], new byte[64], false);
        Backend.SignInit(Session, new Mechanism(CKM.CKM_ECDSA), Import(Key, P256).Private);
        var sig = new byte[64];
        Backend.Sign(Session, new byte[32], sig, false);
        Verify(CKM.CKM_ECDSA, pub, new byte[32], sig);
    }

    [Test]
    public void Other_curves_interoperate_with_dotnet()
    {
        foreach (var (curve, ecParams, hash, mechanism) in new[]
        {
            (ECCurve.NamedCurves.nistP384, P384, HashAlgorithmName.SHA384, CKM.CKM_ECDSA_SHA384),
            (ECCurve.NamedCurves.nistP521, P521, HashAlgorithmName.SHA512, CKM.CKM_ECDSA_SHA512),
            (ECCurve.CreateFromValue("1.3.132.0.10"), Secp256k1, HashAlgorithmName.SHA256, CKM.CKM_ECDSA_SHA256),
        })
        {
            var key = CreateKey(curve);
            var (pub, priv) = Import(key, ecParams);
            using var ecdsa = ECDsa.Create(key);
            byte[] data = RandomNumberGenerator.GetBytes(100);
            Assert.That(ecdsa.VerifyData(data, Sign(mechanism, priv, data), hash), Is.True, mechanism.ToString());
            Verify(mechanism, pub, data, ecdsa.SignData(data, hash));
        }
    }

    [Test]
    public void One_key_signs_from_eight_threads_at_once()
    {
        // The key's ECDsa is parsed once per snapshot and shared (DESIGN fact 9): pin that sharing is safe.
        var (_, priv) = Import(Key, P256);
        using var ecdsa = ECDsa.Create(Key);
        var sessions = Enumerable.Range(0, 8).Select(_ => OpenRw()).ToArray();
        int bad = 0, done = 0;
        var threads = sessions.Select(s => new Thread(() =>
        {
            for (int i = 0; i < 200; i++)
            {
                byte[] data = RandomNumberGenerator.GetBytes(64);
                Backend.SignInit(s, new Mechanism(CKM.CKM_ECDSA_SHA256), priv);
                var sig = new byte[64];
                Backend.Sign(s, data, sig, false);
                if (!ecdsa.VerifyData(data, sig, HashAlgorithmName.SHA256)) Interlocked.Increment(ref bad);
                Interlocked.Increment(ref done);
            }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.That((done, bad), Is.EqualTo((1600, 0)));
    }
}
