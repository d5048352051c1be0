using System.Diagnostics;
using System.Security.Cryptography;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Mechanisms.Rsa;

/// <summary>
/// The module against OpenSSL's command line: a key pair generated in the token (CKM_RSA_PKCS_KEY_PAIR_GEN), its
/// public half exported (CKA_MODULUS, CKA_PUBLIC_EXPONENT) as a PEM; the token signs, `openssl dgst` / `pkeyutl`
/// verify; `openssl pkeyutl -encrypt` encrypts, the token decrypts.
/// </summary>
public sealed class RsaOpenSslTest : RwUserSessionFixture
{
    private const ulong CKG_MGF1_SHA1 = 1, CKG_MGF1_SHA256 = 2, CKZ_DATA_SPECIFIED = 1;

    private string _dir = "";
    private ulong _public, _private;

    [SetUp]
    public void GenerateKeyPair()
    {
        _dir = Directory.CreateTempSubdirectory("rsa-openssl-").FullName;
        using var mech = new NativeMechanism((ulong)CKM.CKM_RSA_PKCS_KEY_PAIR_GEN);
        using var pub = new NativeTemplate([Attr.Token(false), Attr.Bool(CKA.CKA_VERIFY, true), Attr.Bool(CKA.CKA_ENCRYPT, true),
            Attr.ULong(CKA.CKA_MODULUS_BITS, 2048)]);
        using var priv = new NativeTemplate([Attr.Token(false), Attr.Private(true), Attr.Bool(CKA.CKA_SENSITIVE, true),
            Attr.Bool(CKA.CKA_SIGN, true), Attr.Bool(CKA.CKA_DECRYPT, true)]);
        P11.Ok(Module.Low.C_GenerateKeyPair(Session, ref mech.Value, pub.Attributes, pub.Count, priv.Attributes, priv.Count,
            ref _public, ref _private), "C_GenerateKeyPair(CKM_RSA_PKCS_KEY_PAIR_GEN)");
        Assert.That(P11.GetBool(Session, _private, CKA.CKA_LOCAL), Is.True, "a generated key is local");
        using var rsa = RSA.Create(new RSAParameters
        {
            Modulus = P11.Get(Session, _public, CKA.CKA_MODULUS),
            Exponent = P11.Get(Session, _public, CKA.CKA_PUBLIC_EXPONENT),
        });
        File.WriteAllText(PubPem, rsa.ExportSubjectPublicKeyInfoPem());
    }

    [TearDown]
    public void RemoveFiles() => Directory.Delete(_dir, recursive: true);

    private string PubPem => Path.Combine(_dir, "pub.pem");

    private string Write(string name, byte[] content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, content);
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

    private byte[] Sign(CKM mechanism, byte[] data, params ulong[] fields)
    {
        using var mech = new NativeMechanism((ulong)mechanism);
        if (fields.Length > 0) mech.WithFields(fields);
        P11.Ok(Module.Low.C_SignInit(Session, ref mech.Value, _private), $"C_SignInit({mechanism})");
        var sig = new byte[256];
        ulong len = (ulong)sig.Length;
        P11.Ok(Module.Low.C_Sign(Session, data, (ulong)data.Length, sig, ref len), "C_Sign");
        Assert.That(len, Is.EqualTo(256UL));
        return sig;
    }

    [Test]
    public void OpenSSL_verifies_a_PKCS1_v15_signature()
    {
        byte[] data = TestData.Random(777);
        string sig = Write("sig", Sign(CKM.CKM_SHA256_RSA_PKCS, data));
        var (exit, output) = OpenSsl("dgst", "-sha256", "-verify", PubPem, "-signature", sig, Write("data", data));
        Assert.That(exit, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("Verified OK"));
    }

    [Test]
    public void OpenSSL_verifies_a_PSS_signature()
    {
        byte[] data = TestData.Random(777);
        string sig = Write("sig", Sign(CKM.CKM_SHA256_RSA_PKCS_PSS, data, (ulong)CKM.CKM_SHA256, CKG_MGF1_SHA256, 32));
        var (exit, output) = OpenSsl("dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
            "-verify", PubPem, "-signature", sig, Write("data", data));
        Assert.That(exit, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("Verified OK"));
    }

    [Test]
    public void OpenSSL_verifies_a_PSS_signature_with_salt_0_and_MGF1_SHA1_over_a_hash()
    {
        byte[] hash = SHA256.HashData(TestData.Random(100));
        string sig = Write("sig", Sign(CKM.CKM_RSA_PKCS_PSS, hash, (ulong)CKM.CKM_SHA256, CKG_MGF1_SHA1, 0));
        var (exit, output) = OpenSsl("pkeyutl", "-verify", "-pubin", "-inkey", PubPem, "-in", Write("hash", hash), "-sigfile", sig,
            "-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "digest:sha256", "-pkeyopt", "rsa_pss_saltlen:0", "-pkeyopt", "rsa_mgf1_md:sha1");
        Assert.That(exit, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("Verified Successfully"));
    }

    [TestCase("")]
    [TestCase("0a0b0c")]
    public void The_module_decrypts_what_OpenSSL_encrypted_with_OAEP_SHA256(string labelHex)
    {
        byte[] plain = TestData.Random(64);
        string ct = Path.Combine(_dir, "ct");
        var args = new List<string> { "pkeyutl", "-encrypt", "-pubin", "-inkey", PubPem, "-in", Write("plain", plain), "-out", ct,
            "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256" };
        if (labelHex.Length > 0) args.AddRange(["-pkeyopt", $"rsa_oaep_label:{labelHex}"]);
        var (exit, output) = OpenSsl([.. args]);
        Assert.That(exit, Is.EqualTo(0), output);

        byte[] ciphertext = File.ReadAllBytes(ct);
        byte[] label = Convert.FromHexString(labelHex);
        using var mech = new NativeMechanism((ulong)CKM.CKM_RSA_PKCS_OAEP);
        mech.WithFields((ulong)CKM.CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, (ulong)mech.Pin(label), (ulong)label.Length);
        P11.Ok(Module.Low.C_DecryptInit(Session, ref mech.Value, _private), "C_DecryptInit(CKM_RSA_PKCS_OAEP)");
        ulong len = 0;
        P11.Ok(Module.Low.C_Decrypt(Session, ciphertext, (ulong)ciphertext.Length, null, ref len), "C_Decrypt(size query)");
        Assert.That(len, Is.EqualTo(256UL - 2 - 64), "the bound k-2-2hLen");
        var back = new byte[len];
        P11.Ok(Module.Low.C_Decrypt(Session, ciphertext, (ulong)ciphertext.Length, back, ref len), "C_Decrypt");
        Assert.That(back.Take((int)len), Is.EqualTo(plain));
    }
}
