using System.Diagnostics;
using System.Formats.Asn1;
using System.Security.Cryptography;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Mechanisms.Ec;

/// <summary>
/// The module against OpenSSL's command line: key pairs generated in the token, their public halves exported
/// (CKA_EC_POINT) as SubjectPublicKeyInfo PEM; the token signs and `openssl` verifies — ECDSA P-256 with
/// `dgst -sha256 -verify` (the token's r||s re-encoded as the DER ECDSA-Sig-Value OpenSSL reads), Ed25519 with
/// `pkeyutl -verify -rawin`; and the other way round, OpenSSL signs and the token verifies.
/// </summary>
public sealed class EcOpenSslTest : RwUserSessionFixture
{
    private string _dir = "";

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("ec-openssl-").FullName;

    [TearDown]
    public void RemoveFiles() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private string WriteText(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static (int Exit, string Output) OpenSsl(params string[] args)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }

    /// <summary>r||s (P1363) to the DER SEQUENCE { r INTEGER, s INTEGER } of RFC 3279.</summary>
    private static byte[] ToDer(byte[] p1363)
    {
        int half = p1363.Length / 2;
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteIntegerUnsigned(p1363.AsSpan(0, half));
            w.WriteIntegerUnsigned(p1363.AsSpan(half));
        }
        return w.Encode();
    }

    private string P256PublicPem(ulong pub)
    {
        byte[] point = EcCalls.Unwrap(P11.Get(Session, pub, CKA.CKA_EC_POINT));
        using var ec = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = point[1..33], Y = point[33..] },
        });
        return WriteText("pub.pem", ec.ExportSubjectPublicKeyInfoPem());
    }

    /// <summary>RFC 8410 SubjectPublicKeyInfo of an Ed25519 key: SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING key }.</summary>
    private string Ed25519PublicPem(byte[] key)
    {
        byte[] spki = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00, .. key];
        return WriteText("pub.pem", PemEncoding.WriteString("PUBLIC KEY", spki));
    }

    [Test]
    public void OpenSSL_verifies_the_tokens_ECDSA_P256_signature()
    {
        var (pub, priv) = EcCalls.Generate(Session, CKM.CKM_EC_KEY_PAIR_GEN, EcCalls.P256);
        byte[] data = TestData.Random(777);
        byte[] sig = EcCalls.Sign(Session, CKM.CKM_ECDSA_SHA256, priv, data);
        Assert.That(sig, Has.Length.EqualTo(64));
        var (exit, output) = OpenSsl("dgst", "-sha256", "-verify", P256PublicPem(pub), "-signature", Write("sig", ToDer(sig)), Write("data", data));
        Assert.That(exit, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("Verified OK"));
    }

    [Test]
    public void The_token_verifies_OpenSSLs_ECDSA_P256_signature()
    {
        var (exit, output) = OpenSsl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", Path.Combine(_dir, "key.pem"));
        Assert.That(exit, Is.EqualTo(0), output);
        byte[] data = TestData.Random(100);
        string sigPath = Path.Combine(_dir, "sig");
        (exit, output) = OpenSsl("dgst", "-sha256", "-sign", Path.Combine(_dir, "key.pem"), "-out", sigPath, Write("data", data));
        Assert.That(exit, Is.EqualTo(0), output);
        using var ec = ECDsa.Create();
        ec.ImportFromPem(File.ReadAllText(Path.Combine(_dir, "key.pem")));
        var q = ec.ExportParameters(false).Q;
        ulong pub = EcCalls.ImportPublic(Session, CKK.CKK_EC, EcCalls.P256, EcCalls.OctetString([0x04, .. q.X!, .. q.Y!]));
        byte[] p1363 = ConvertDerToP1363(File.ReadAllBytes(sigPath), 32);
        Assert.That(EcCalls.Verify(Session, CKM.CKM_ECDSA_SHA256, pub, data, p1363), Is.EqualTo(CKR.CKR_OK));
    }

    private static byte[] ConvertDerToP1363(byte[] der, int half)
    {
        var seq = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        byte[] r = seq.ReadIntegerBytes().ToArray().SkipWhile(b => b == 0).ToArray();
        byte[] s = seq.ReadIntegerBytes().ToArray().SkipWhile(b => b == 0).ToArray();
        return [.. new byte[half - r.Length], .. r, .. new byte[half - s.Length], .. s];
    }

    [Test]
    public void OpenSSL_verifies_the_tokens_Ed25519_signature()
    {
        var (pub, priv) = EcCalls.Generate(Session, EcCalls.CKM_EC_EDWARDS_KEY_PAIR_GEN, EcCalls.Ed25519);
        byte[] key = EcCalls.Unwrap(P11.Get(Session, pub, CKA.CKA_EC_POINT));
        Assert.That(key, Has.Length.EqualTo(32));
        byte[] data = TestData.Random(500);
        using var mech = EcCalls.Eddsa();
        byte[] sig = EcCalls.Sign(Session, mech, priv, data);
        var (exit, output) = OpenSsl("pkeyutl", "-verify", "-pubin", "-inkey", Ed25519PublicPem(key), "-rawin",
            "-in", Write("data", data), "-sigfile", Write("sig", sig));
        Assert.That(exit, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("Signature Verified Successfully"));
    }

    [Test]
    public void The_token_verifies_OpenSSLs_Ed25519_signature()
    {
        string keyPem = Path.Combine(_dir, "key.pem"), pubDer = Path.Combine(_dir, "pub.der"), sigPath = Path.Combine(_dir, "sig");
        var (exit, output) = OpenSsl("genpkey", "-algorithm", "ED25519", "-out", keyPem);
        Assert.That(exit, Is.EqualTo(0), output);
        (exit, output) = OpenSsl("pkey", "-in", keyPem, "-pubout", "-outform", "DER", "-out", pubDer);
        Assert.That(exit, Is.EqualTo(0), output);
        byte[] data = TestData.Random(300);
        (exit, output) = OpenSsl("pkeyutl", "-sign", "-inkey", keyPem, "-rawin", "-in", Write("data", data), "-out", sigPath);
        Assert.That(exit, Is.EqualTo(0), output);
        byte[] key = File.ReadAllBytes(pubDer)[^32..];
        ulong pub = EcCalls.ImportPublic(Session, EcCalls.CKK_EC_EDWARDS, EcCalls.CurveName("edwards25519"), EcCalls.OctetString(key));
        using var mech = EcCalls.Eddsa();
        Assert.That(EcCalls.Verify(Session, mech, pub, data, File.ReadAllBytes(sigPath)), Is.EqualTo(CKR.CKR_OK));
    }
}
