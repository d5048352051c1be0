using System.Text.Json;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Mechanisms.Rsa;

/// <summary>
/// Project Wycheproof's RSA vectors (tests/TestVectors/wycheproof, see its README) through the published library:
/// each group's key imported with C_CreateObject from its components; every "valid" case must pass, every
/// "invalid" one be refused, and "acceptable" ones are pinned to what the module does.
/// </summary>
public sealed class RsaWycheproofTest : RwUserSessionFixture
{
    private const ulong CKG_MGF1_SHA1 = 1, CKG_MGF1_SHA256 = 2, CKZ_DATA_SPECIFIED = 1;

    private static JsonElement Groups(string file)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestVectors", "wycheproof", file);
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("testGroups");
    }

    private static byte[] Hex(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? Convert.FromHexString(v.GetString()!) : [];

    private ulong ImportPublic(JsonElement key) => P11.Create(Session,
    [
        Attr.Class(CKO.CKO_PUBLIC_KEY), Attr.KeyType(CKK.CKK_RSA), Attr.Token(false), Attr.Private(false),
        Attr.Label(P11.UniqueLabel("wycheproof-rsa-pub")), Attr.Bool(CKA.CKA_VERIFY, true),
        Attr.Bytes(CKA.CKA_MODULUS, Hex(key, "modulus")), Attr.Bytes(CKA.CKA_PUBLIC_EXPONENT, Hex(key, "publicExponent")),
    ]);

    private ulong ImportPrivate(JsonElement key) => P11.Create(Session,
    [
        Attr.Class(CKO.CKO_PRIVATE_KEY), Attr.KeyType(CKK.CKK_RSA), Attr.Token(false), Attr.Private(true),
        Attr.Label(P11.UniqueLabel("wycheproof-rsa")), Attr.Bool(CKA.CKA_DECRYPT, true),
        Attr.Bytes(CKA.CKA_MODULUS, Hex(key, "modulus")), Attr.Bytes(CKA.CKA_PUBLIC_EXPONENT, Hex(key, "publicExponent")),
        Attr.Bytes(CKA.CKA_PRIVATE_EXPONENT, Hex(key, "privateExponent")), Attr.Bytes(CKA.CKA_PRIME_1, Hex(key, "prime1")),
        Attr.Bytes(CKA.CKA_PRIME_2, Hex(key, "prime2")), Attr.Bytes(CKA.CKA_EXPONENT_1, Hex(key, "exponent1")),
        Attr.Bytes(CKA.CKA_EXPONENT_2, Hex(key, "exponent2")), Attr.Bytes(CKA.CKA_COEFFICIENT, Hex(key, "coefficient")),
    ]);

    /// <summary>Runs every test of <paramref name="file"/>; <paramref name="run"/> answers whether the module accepted it.</summary>
    private static void Check(string file, Func<JsonElement, JsonElement, bool> run, IReadOnlyDictionary<int, bool> acceptable)
    {
        var failures = new List<string>();
        int count = 0;
        foreach (var group in Groups(file).EnumerateArray())
            foreach (var t in group.GetProperty("tests").EnumerateArray())
            {
                count++;
                int id = t.GetProperty("tcId").GetInt32();
                string result = t.GetProperty("result").GetString()!;
                bool accepted = run(group, t);
                bool expected = result switch
                {
                    "valid" => true,
                    "invalid" => false,
                    _ => acceptable.TryGetValue(id, out bool pinned) ? pinned : throw new InvalidOperationException($"tc{id} is acceptable but not pinned"),
                };
                if (accepted != expected)
                    failures.Add($"tc{id} ({result}, {t.GetProperty("comment").GetString()}): module {(accepted ? "accepted" : "refused")}");
            }
        Assert.That(failures, Is.Empty, $"{file}: {failures.Count} of {count} disagree");
        TestContext.Out.WriteLine($"{file}: {count} tests agree");
    }

    private bool VerifyCase(CKM mechanism, ulong[]? fields, ulong key, JsonElement t)
    {
        byte[] msg = Hex(t, "msg"), sig = Hex(t, "sig");
        using var mech = new NativeMechanism((ulong)mechanism);
        if (fields is not null) mech.WithFields(fields);
        P11.Ok(Module.Low.C_VerifyInit(Session, ref mech.Value, key), "C_VerifyInit");
        CKR rv = Module.Low.C_Verify(Session, msg, (ulong)msg.Length, sig, (ulong)sig.Length);
        Assert.That(rv, Is.AnyOf(CKR.CKR_OK, CKR.CKR_SIGNATURE_INVALID, CKR.CKR_SIGNATURE_LEN_RANGE), $"tc{t.GetProperty("tcId")}: C_Verify");
        return rv == CKR.CKR_OK;
    }

    [TestCase("rsa_signature_2048_sha256_test.json")]
    [TestCase("rsa_signature_3072_sha256_test.json")]
    public void PKCS1_v15_signatures_verify_with_CKM_SHA256_RSA_PKCS(string file)
    {
        var keys = new Dictionary<string, ulong>();
        // tc8 "Missing NULL in the ASN encoding": pinned refused — OpenSSL 3 compares the whole DigestInfo with
        // the one it encodes, and RFC 8017 §9.2 note 2 makes the NULL form the one to generate.
        Check(file, (g, t) => VerifyCase(CKM.CKM_SHA256_RSA_PKCS, null, Key(keys, g, "publicKey", ImportPublic), t),
            new Dictionary<int, bool> { [8] = false });
    }

    [Test]
    public void PSS_signatures_verify_with_CKM_SHA256_RSA_PKCS_PSS()
    {
        var keys = new Dictionary<string, ulong>();
        Check("rsa_pss_2048_sha256_mgf1_32_test.json",
            (g, t) => VerifyCase(CKM.CKM_SHA256_RSA_PKCS_PSS, [(ulong)CKM.CKM_SHA256, CKG_MGF1_SHA256, 32], Key(keys, g, "publicKey", ImportPublic), t),
            new Dictionary<int, bool>());
    }

    private static ulong Key(Dictionary<string, ulong> cache, JsonElement group, string property, Func<JsonElement, ulong> import)
    {
        var key = group.GetProperty(property);
        string id = key.GetProperty("modulus").GetString()!;
        if (!cache.TryGetValue(id, out ulong handle))
            cache[id] = handle = import(key);
        return handle;
    }

    private bool DecryptCase(NativeMechanism mech, ulong key, JsonElement t)
    {
        byte[] ct = Hex(t, "ct"), msg = Hex(t, "msg");
        P11.Ok(Module.Low.C_DecryptInit(Session, ref mech.Value, key), "C_DecryptInit");
        var output = new byte[1024];
        ulong len = (ulong)output.Length;
        CKR rv = Module.Low.C_Decrypt(Session, ct, (ulong)ct.Length, output, ref len);
        Assert.That(rv, Is.AnyOf(CKR.CKR_OK, CKR.CKR_ENCRYPTED_DATA_INVALID, CKR.CKR_ENCRYPTED_DATA_LEN_RANGE),
            $"tc{t.GetProperty("tcId")}: C_Decrypt may only say the ciphertext is bad");
        if (rv != CKR.CKR_OK) return false;
        Assert.That(output.Take((int)len), Is.EqualTo(msg), $"tc{t.GetProperty("tcId")}: the plaintext");
        return true;
    }

    [TestCase("rsa_oaep_2048_sha1_mgf1sha1_test.json", CKM.CKM_SHA_1, CKG_MGF1_SHA1)]
    [TestCase("rsa_oaep_2048_sha256_mgf1sha256_test.json", CKM.CKM_SHA256, CKG_MGF1_SHA256)]
    public void OAEP_ciphertexts_decrypt_with_CKM_RSA_PKCS_OAEP(string file, CKM hash, ulong mgf)
    {
        var keys = new Dictionary<string, ulong>();
        Check(file, (g, t) =>
        {
            using var mech = new NativeMechanism((ulong)CKM.CKM_RSA_PKCS_OAEP);
            byte[] label = Hex(t, "label");
            mech.WithFields((ulong)hash, mgf, CKZ_DATA_SPECIFIED, (ulong)mech.Pin(label), (ulong)label.Length);
            return DecryptCase(mech, Key(keys, g, "privateKey", ImportPrivate), t);
        }, new Dictionary<int, bool>());
    }

    [Test]
    public void PKCS1_v15_ciphertexts_decrypt_with_CKM_RSA_PKCS()
    {
        var keys = new Dictionary<string, ulong>();
        Check("rsa_pkcs1_2048_test.json", (g, t) =>
        {
            using var mech = new NativeMechanism((ulong)CKM.CKM_RSA_PKCS);
            return DecryptCase(mech, Key(keys, g, "privateKey", ImportPrivate), t);
        }, new Dictionary<int, bool>());
    }
}
