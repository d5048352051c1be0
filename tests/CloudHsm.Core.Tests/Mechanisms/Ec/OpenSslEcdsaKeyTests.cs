using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Ec;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Ec;

/// <summary>ECDSA on libcrypto's own EC_KEY (<see cref="OpenSslEcdsaKey"/>), checked against .NET's ECDsa.</summary>
[Platform("Linux")]
public sealed class OpenSslEcdsaKeyTests
{
    private const DSASignatureFormat P1363 = DSASignatureFormat.IeeeP1363FixedFieldConcatenation;

    public static IEnumerable<TestCaseData> Curves() =>
    [
        new TestCaseData("P-256", ECCurve.NamedCurves.nistP256),
        new TestCaseData("P-384", ECCurve.NamedCurves.nistP384),
        new TestCaseData("P-521", ECCurve.NamedCurves.nistP521),
        new TestCaseData("secp256k1", ECCurve.CreateFromValue("1.3.132.0.10")),
    ];

    private static (OpenSslEcdsaKey Private, OpenSslEcdsaKey Public, ECDsa DotNet) Pair(EcCurve curve, ECCurve dotNetCurve)
    {
        var dotNet = ECDsa.Create(dotNetCurve);
        var p = dotNet.ExportParameters(includePrivateParameters: true);
        var priv = OpenSslEcdsaKey.TryImport(curve, p.D, null);
        var pub = OpenSslEcdsaKey.TryImport(curve, null, [0x04, .. p.Q.X!, .. p.Q.Y!]);
        Assert.That(priv, Is.Not.Null, "libcrypto 3 is used on Linux");
        Assert.That(pub, Is.Not.Null);
        return (priv!, pub!, dotNet);
    }

    [TestCaseSource(nameof(Curves))]
    public void Signatures_interoperate_with_dotnet(string name, ECCurve dotNetCurve)
    {
        var curve = Array.Find(EcCurve.All, c => c.Name == name)!;
        var (priv, pub, dotNet) = Pair(curve, dotNetCurve);
        using (priv) using (pub) using (dotNet)
        {
            foreach (int length in new[] { 1, 20, 32, 64, 100 }) // shorter and longer than the order: truncated alike
            {
                byte[] digest = RandomNumberGenerator.GetBytes(length);
                var sig = new byte[2 * curve.SignatureHalf + 3];
                Assert.That(priv.Sign(digest, sig), Is.EqualTo(2 * curve.SignatureHalf));
                Assert.That(dotNet.VerifyHash(digest, sig.AsSpan(0, 2 * curve.SignatureHalf), P1363), Is.True, $"{length}-byte hash");
                Assert.That(pub.Verify(digest, dotNet.SignHash(digest, P1363)), Is.True);
                Assert.That(pub.Verify(digest, sig.AsSpan(0, 2 * curve.SignatureHalf)), Is.True);
            }
        }
    }

    [Test]
    public void Malformed_signatures_are_invalid_and_leave_no_error_behind()
    {
        var (priv, pub, dotNet) = Pair(EcCurve.P256, ECCurve.NamedCurves.nistP256);
        using (priv) using (pub) using (dotNet)
        {
            byte[] digest = SHA256.HashData("message"u8);
            byte[] good = dotNet.SignHash(digest, P1363);
            byte[] n = Convert.FromHexString("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
            var cases = new (byte[] Signature, string What)[]
            {
                ([.. new byte[32], .. good[32..]], "r = 0"),
                ([.. good[..32], .. new byte[32]], "s = 0"),
                ([.. n, .. good[32..]], "r = n"),
                ([.. good[..32], .. n], "s = n"),
                (Enumerable.Repeat((byte)0xFF, 64).ToArray(), "r, s above n"),
                ([.. good[..63], (byte)(good[63] ^ 1)], "s changed"),
                (good[..63], "one byte short"),
                ([.. good, 0], "one byte long"),
                ([], "empty"),
            };
            foreach (var (signature, what) in cases)
            {
                Assert.That(pub.Verify(digest, signature), Is.False, what);
                Assert.That(pub.Verify(digest, good), Is.True, $"a good signature still verifies after {what}");
            }
        }
    }

    [Test]
    public void A_public_key_off_the_curve_is_CKR_ATTRIBUTE_VALUE_INVALID()
    {
        using var dotNet = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = dotNet.ExportParameters(false).Q;
        byte[] off = [0x04, .. q.X!, .. q.Y![..31], (byte)(q.Y![31] ^ 1)];
        var e = Assert.Throws<CkrException>(() => OpenSslEcdsaKey.TryImport(EcCurve.P256, null, off))!;
        Assert.That(e.Rv, Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID));
    }

    [Test]
    public void One_instance_signs_and_verifies_on_eight_threads_at_once()
    {
        var (priv, pub, dotNet) = Pair(EcCurve.P256, ECCurve.NamedCurves.nistP256);
        using (priv) using (pub) using (dotNet)
        {
            int bad = 0, done = 0;
            var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
            {
                for (int i = 0; i < 300; i++)
                {
                    byte[] digest = RandomNumberGenerator.GetBytes(32);
                    var sig = new byte[64];
                    priv.Sign(digest, sig);
                    bool ok = pub.Verify(digest, sig) && dotNet.VerifyHash(digest, sig, P1363);
                    sig[5] ^= 0x40;
                    if (!ok || pub.Verify(digest, sig)) Interlocked.Increment(ref bad);
                    Interlocked.Increment(ref done);
                }
            })).ToArray();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
            Assert.That((done, bad), Is.EqualTo((2400, 0)));
        }
    }
}
