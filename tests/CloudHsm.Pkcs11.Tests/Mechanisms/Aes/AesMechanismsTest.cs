using System.Diagnostics;
using System.Security.Cryptography;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Mechanisms.Aes;

/// <summary>
/// The AES/DES3 family through the published library: the native parameter structures (both
/// CK_GCM_PARAMS layouts, CK_AES_CTR_PARAMS), key generation, the vendor mechanisms, and cross-checks
/// with OpenSSL's <c>enc</c> (CBC) and Python's <c>cryptography</c> (GCM, skipped where it is missing).
/// </summary>
public sealed class AesMechanismsTest : RwUserSessionFixture
{
    private const CKM CKM_CLOUDHSM_AES_GCM = (CKM)0x80001087;

    [Test]
    public void GCM_both_parameter_layouts_give_the_same_result_as_dotnet()
    {
        byte[] key = TestData.Random(32), iv = TestData.Random(12), aad = TestData.Random(13), plain = TestData.Random(1024);
        ulong h = AesCalls.ImportAes(Session, key);
        using var gcm = new AesGcm(key, 16);
        var ct = new byte[plain.Length];
        var tag = new byte[16];
        gcm.Encrypt(iv, plain, ct, tag, aad);
        foreach (bool withIvBits in new[] { true, false })
        {
            using var m = AesCalls.Gcm(iv, aad, 128, withIvBits);
            Assert.That(AesCalls.Encrypt(Session, m, h, plain), Is.EqualTo(ct.Concat(tag)), $"ulIvBits present: {withIvBits}");
            Assert.That(AesCalls.Decrypt(Session, m, h, [.. ct, .. tag]), Is.EqualTo(plain));
        }
        using var badTag = AesCalls.Gcm(iv, aad, 100);
        Assert.That(Module.Low.C_EncryptInit(Session, ref badTag.Value, h), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "ulTagBits 100");
        using var odd = new NativeMechanism((ulong)CKM.CKM_AES_GCM).WithFields(1, 2, 3, 4);
        Assert.That(Module.Low.C_EncryptInit(Session, ref odd.Value, h), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "32-byte parameter");
    }

    [Test]
    public void CTR_through_the_native_structure_matches_SP_800_38A()
    {
        // NIST SP 800-38A F.5.1 CTR-AES128, first two blocks.
        ulong h = AesCalls.ImportAes(Session, TestData.Hex("2b7e151628aed2a6abf7158809cf4f3c"));
        using var m = AesCalls.Ctr(128, TestData.Hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"));
        byte[] plain = TestData.Hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
        Assert.That(Convert.ToHexString(AesCalls.Encrypt(Session, m, h, plain)).ToLowerInvariant(),
            Is.EqualTo("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"));
        using var bad = AesCalls.Ctr(0, new byte[16]);
        Assert.That(Module.Low.C_EncryptInit(Session, ref bad.Value, h), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "ulCounterBits 0");
        using var wrap = AesCalls.Ctr(1, new byte[16]);
        Assert.That(AesCalls.TryEncrypt(Session, wrap, h, new byte[33]).Rv, Is.EqualTo(CKR.CKR_DATA_LEN_RANGE), "a 1-bit counter covers 2 blocks");
    }

    [Test]
    public void Generated_AES_and_DES3_keys_work()
    {
        using var t = new NativeTemplate([Attr.Token(false), Attr.Bool(CKA.CKA_ENCRYPT, true), Attr.Bool(CKA.CKA_DECRYPT, true), Attr.ULong(CKA.CKA_VALUE_LEN, 32)]);
        using var gen = new NativeMechanism((ulong)CKM.CKM_AES_KEY_GEN);
        ulong aes = 0;
        P11.Ok(Module.Low.C_GenerateKey(Session, ref gen.Value, t.Attributes, t.Count, ref aes), "C_GenerateKey(CKM_AES_KEY_GEN)");
        using var bad = new NativeTemplate([Attr.Token(false), Attr.ULong(CKA.CKA_VALUE_LEN, 20)]);
        ulong none = 0;
        Assert.That(Module.Low.C_GenerateKey(Session, ref gen.Value, bad.Attributes, bad.Count, ref none), Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID),
            "§5.18 lists no CKR_KEY_SIZE_RANGE for C_GenerateKey");

        using var des = new NativeTemplate([Attr.Token(false), Attr.Bool(CKA.CKA_ENCRYPT, true), Attr.Bool(CKA.CKA_DECRYPT, true)]);
        using var desGen = new NativeMechanism((ulong)CKM.CKM_DES3_KEY_GEN);
        ulong des3 = 0;
        P11.Ok(Module.Low.C_GenerateKey(Session, ref desGen.Value, des.Attributes, des.Count, ref des3), "C_GenerateKey(CKM_DES3_KEY_GEN)");

        byte[] data = TestData.Random(45);
        using var cbc = AesCalls.WithIv(CKM.CKM_AES_CBC_PAD, TestData.Random(16));
        Assert.That(AesCalls.Decrypt(Session, cbc, aes, AesCalls.Encrypt(Session, cbc, aes, data)), Is.EqualTo(data));
        using var desCbc = AesCalls.WithIv(CKM.CKM_DES3_CBC_PAD, TestData.Random(8));
        Assert.That(AesCalls.Decrypt(Session, desCbc, des3, AesCalls.Encrypt(Session, desCbc, des3, data)), Is.EqualTo(data));
        Assert.That(Module.Low.C_EncryptInit(Session, ref cbc.Value, des3), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT), "a DES3 key for AES");
    }

    [Test]
    public void Vendor_GCM_generates_a_fresh_IV_and_prepends_it()
    {
        byte[] key = TestData.Random(16), plain = TestData.Random(64), aad = TestData.Random(8);
        ulong h = AesCalls.ImportAes(Session, key);
        using var m = AesCalls.Gcm([], aad, 128, type: CKM_CLOUDHSM_AES_GCM);
        byte[] a = AesCalls.Encrypt(Session, m, h, plain), b = AesCalls.Encrypt(Session, m, h, plain);
        Assert.That(a, Has.Length.EqualTo(12 + 64 + 16));
        Assert.That(a[..12], Is.Not.EqualTo(b[..12]));
        using var gcm = new AesGcm(key, 16);
        var back = new byte[64];
        gcm.Decrypt(a[..12], a[12..^16], a[^16..], back, aad);
        Assert.That(back, Is.EqualTo(plain), ".NET opens IV || ciphertext || tag");
        Assert.That(AesCalls.Decrypt(Session, m, h, b), Is.EqualTo(plain));
    }

    [TestCase(0x80002109u, 32)]
    [TestCase(0x8000210Au, 13)]
    [TestCase(0x8000216Fu, 13)]
    [TestCase(0x0000210Au, 21)]
    public void Key_wrap_variants_round_trip(uint type, int length)
    {
        ulong h = AesCalls.ImportAes(Session, TestData.Random(32));
        byte[] data = TestData.Random(length);
        using var m = new NativeMechanism(type);
        Assert.That(AesCalls.Decrypt(Session, m, h, AesCalls.Encrypt(Session, m, h, data)), Is.EqualTo(data));
    }

    // --- cross-checks with other implementations ------------------------------------------------------------

    private static (int Exit, byte[] Stdout, string Stderr) Run(string file, string args, byte[] stdin)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Ignore($"{file} is not installed");
            throw;
        }
        using (p)
        {
            p.StandardInput.BaseStream.Write(stdin);
            p.StandardInput.Close();
            using var output = new MemoryStream();
            p.StandardOutput.BaseStream.CopyTo(output);
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output.ToArray(), err);
        }
    }

    [Test]
    public void CBC_PAD_interoperates_with_openssl_enc_both_ways()
    {
        byte[] key = TestData.Random(32), iv = TestData.Random(16), plain = TestData.Random(1000);
        ulong h = AesCalls.ImportAes(Session, key);
        string args = $"enc -aes-256-cbc -K {Convert.ToHexString(key)} -iv {Convert.ToHexString(iv)}";
        var (exit, opensslCt, err) = Run("openssl", args, plain);
        Assert.That(exit, Is.Zero, err);
        using var m = AesCalls.WithIv(CKM.CKM_AES_CBC_PAD, iv);
        Assert.That(AesCalls.Decrypt(Session, m, h, opensslCt), Is.EqualTo(plain), "the token decrypts openssl's ciphertext");
        byte[] tokenCt = AesCalls.Encrypt(Session, m, h, plain);
        var (exit2, back, err2) = Run("openssl", args + " -d", tokenCt);
        Assert.That(exit2, Is.Zero, err2);
        Assert.That(back, Is.EqualTo(plain), "openssl decrypts the token's ciphertext");
    }

    /// <summary>Python's cryptography package as the independent GCM implementation (OpenSSL 3.0's enc refuses AEAD ciphers).</summary>
    private static byte[] PythonGcm(bool encrypt, byte[] key, byte[] iv, byte[] aad, byte[] data)
    {
        string op = encrypt ? "encrypt" : "decrypt";
        string script = "import sys;from cryptography.hazmat.primitives.ciphers.aead import AESGCM as G;" +
            $"sys.stdout.buffer.write(G(bytes.fromhex('{Convert.ToHexString(key)}')).{op}(bytes.fromhex('{Convert.ToHexString(iv)}'), sys.stdin.buffer.read(), bytes.fromhex('{Convert.ToHexString(aad)}')))";
        var (exit, output, err) = Run("python3", $"-c \"{script}\"", data);
        if (exit != 0 && err.Contains("No module named 'cryptography'", StringComparison.Ordinal))
            Assert.Ignore("python3-cryptography is not installed");
        Assert.That(exit, Is.Zero, err);
        return output;
    }

    [Test]
    public void GCM_interoperates_with_python_cryptography_both_ways()
    {
        byte[] key = TestData.Random(32), iv = TestData.Random(12), aad = TestData.Random(17), plain = TestData.Random(777);
        ulong h = AesCalls.ImportAes(Session, key);
        using var m = AesCalls.Gcm(iv, aad, 128);
        byte[] pythonCt = PythonGcm(encrypt: true, key, iv, aad, plain);
        Assert.That(AesCalls.Decrypt(Session, m, h, pythonCt), Is.EqualTo(plain), "the token opens Python's ciphertext");
        Assert.That(PythonGcm(encrypt: false, key, iv, aad, AesCalls.Encrypt(Session, m, h, plain)), Is.EqualTo(plain), "Python opens the token's");
        // The vendor mechanism's output is IV || standard GCM output.
        using var vendor = AesCalls.Gcm([], aad, 128, type: CKM_CLOUDHSM_AES_GCM);
        byte[] v = AesCalls.Encrypt(Session, vendor, h, plain);
        Assert.That(PythonGcm(encrypt: false, key, v[..12], aad, v[12..]), Is.EqualTo(plain), "Python opens the vendor mechanism's output");
    }
}
