using System.Text.Json;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Mechanisms.Aes;

/// <summary>
/// Project Wycheproof's AES vectors (tests/TestVectors/wycheproof, see its README) through the published
/// library: each key imported with C_CreateObject as CKK_AES; "valid" tests must encrypt to the expected
/// ciphertext and decrypt back, "invalid" ones must be refused, "acceptable" ones may go either way.
/// </summary>
public sealed class AesWycheproofTest : RwUserSessionFixture
{
    private sealed record Vector(int TcId, string Result, string Comment, byte[] Key, byte[] Iv, byte[] Aad, byte[] Msg, byte[] Ct)
    {
        public override string ToString() => $"tc{TcId} {Result} {Comment}";
    }

    private static List<Vector> Load(string file)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestVectors", "wycheproof", file);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var vectors = new List<Vector>();
        foreach (var group in doc.RootElement.GetProperty("testGroups").EnumerateArray())
            foreach (var t in group.GetProperty("tests").EnumerateArray())
            {
                byte[] Hex(string name) => t.TryGetProperty(name, out var v) ? Convert.FromHexString(v.GetString()!) : [];
                vectors.Add(new(t.GetProperty("tcId").GetInt32(), t.GetProperty("result").GetString()!, t.GetProperty("comment").GetString()!,
                    Hex("key"), Hex("iv"), Hex("aad"), Hex("msg"), [.. Hex("ct"), .. Hex("tag")]));
            }
        return vectors;
    }

    private void Run(string file, Func<Vector, NativeMechanism> mechanism, Func<Vector, bool>? skip = null)
    {
        int valid = 0, invalid = 0, acceptable = 0;
        var failures = new List<string>();
        foreach (var v in Load(file))
        {
            if (skip?.Invoke(v) == true) continue;
            ulong key = AesCalls.ImportAes(Session, v.Key);
            using var m = mechanism(v);
            var (decRv, plain) = AesCalls.TryDecrypt(Session, m, key, v.Ct);
            switch (v.Result)
            {
                case "valid":
                    valid++;
                    var (encRv, ct) = AesCalls.TryEncrypt(Session, m, key, v.Msg);
                    if (encRv != CKR.CKR_OK || !ct.AsSpan().SequenceEqual(v.Ct)) failures.Add($"{v}: encrypt {encRv}");
                    if (decRv != CKR.CKR_OK || !plain.AsSpan().SequenceEqual(v.Msg)) failures.Add($"{v}: decrypt {decRv}");
                    break;
                case "invalid":
                    invalid++;
                    if (decRv == CKR.CKR_OK) failures.Add($"{v}: decrypt accepted it");
                    else if (decRv is not (CKR.CKR_ENCRYPTED_DATA_INVALID or CKR.CKR_ENCRYPTED_DATA_LEN_RANGE or CKR.CKR_MECHANISM_PARAM_INVALID))
                        failures.Add($"{v}: refused with {decRv}");
                    break;
                default:
                    acceptable++;
                    break;
            }
            P11.Destroy(Session, key);
        }
        TestContext.Out.WriteLine($"{file}: {valid} valid, {invalid} invalid, {acceptable} acceptable run");
        Assert.That(failures, Is.Empty);
        Assert.That(valid, Is.GreaterThan(0));
    }

    [Test]
    public void AES_GCM_header_layout() =>
        Run("aes_gcm_test.json", v => AesCalls.Gcm(v.Iv, v.Aad, 128));

    [Test]
    public void AES_GCM_spec_240_layout() =>
        Run("aes_gcm_test.json", v => AesCalls.Gcm(v.Iv, v.Aad, 128, withIvBits: false));

    [Test]
    public void AES_CBC_PAD() =>
        Run("aes_cbc_pkcs5_test.json", v => AesCalls.WithIv(CKM.CKM_AES_CBC_PAD, v.Iv));

    [Test]
    public void AES_KEY_WRAP() =>
        Run("aes_wrap_test.json", _ => AesCalls.WithIv(CKM.CKM_AES_KEY_WRAP, null));

    [Test]
    public void CLOUDHSM_AES_KEY_WRAP_NO_PAD() =>
        Run("aes_wrap_test.json", _ => AesCalls.WithIv((CKM)0x80002109, null));

    [Test]
    public void AES_KEY_WRAP_KWP() =>
        Run("aes_kwp_test.json", _ => AesCalls.WithIv((CKM)0x0000210B, null));

    [Test]
    public void CLOUDHSM_AES_KEY_WRAP_ZERO_PAD_is_RFC_5649() =>
        Run("aes_kwp_test.json", _ => AesCalls.WithIv((CKM)0x8000216F, null));
}
