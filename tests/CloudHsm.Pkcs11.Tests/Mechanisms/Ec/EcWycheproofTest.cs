using System.Text.Json;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Mechanisms.Ec;

/// <summary>
/// Project Wycheproof's elliptic curve vectors (tests/TestVectors/wycheproof, see its README) through the published
/// library: ECDSA in IEEE P1363 form (CKM_ECDSA_SHA*, imported public keys), ECDH with X9.62 points
/// (CKM_ECDH1_DERIVE, CKD_NULL, imported private scalars), Ed25519/Ed448 (CKM_EDDSA) and X25519. Every "valid" case
/// must pass, every "invalid" one be refused; "acceptable" ones are pinned to what the module does, by rule.
/// </summary>
public sealed class EcWycheproofTest : RwUserSessionFixture
{
    private static JsonElement Groups(string file)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestVectors", "wycheproof", file);
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("testGroups");
    }

    private static byte[] Hex(JsonElement e, string name) => Convert.FromHexString(e.GetProperty(name).GetString()!);

    private static bool HasFlag(JsonElement t, string flag) => t.GetProperty("flags").EnumerateArray().Any(f => f.GetString() == flag);

    private static byte[] CurveParams(string name) => name switch
    {
        "secp256r1" => EcCalls.P256,
        "secp384r1" => EcCalls.P384,
        "secp521r1" => EcCalls.P521,
        "secp256k1" => EcCalls.Secp256k1,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>Runs every test of <paramref name="file"/>; <paramref name="run"/> answers whether the module accepted it;
    /// <paramref name="acceptable"/> says what the module does with an "acceptable" case.</summary>
    private static void Check(string file, Func<JsonElement, JsonElement, bool> run, Func<JsonElement, bool> acceptable)
    {
        var failures = new List<string>();
        int count = 0;
        foreach (var group in Groups(file).EnumerateArray())
            foreach (var t in group.GetProperty("tests").EnumerateArray())
            {
                count++;
                string result = t.GetProperty("result").GetString()!;
                bool accepted = run(group, t);
                bool expected = result switch { "valid" => true, "invalid" => false, _ => acceptable(t) };
                if (accepted != expected)
                    failures.Add($"tc{t.GetProperty("tcId")} ({result}, {t.GetProperty("comment").GetString()}): module {(accepted ? "accepted" : "refused")}");
            }
        Assert.That(failures, Is.Empty, $"{file}: {failures.Count} of {count} disagree");
        TestContext.Out.WriteLine($"{file}: {count} tests agree");
    }

    [TestCase("ecdsa_secp256r1_sha256_p1363_test.json", CKM.CKM_ECDSA_SHA256)]
    [TestCase("ecdsa_secp384r1_sha384_p1363_test.json", CKM.CKM_ECDSA_SHA384)]
    [TestCase("ecdsa_secp521r1_sha512_p1363_test.json", CKM.CKM_ECDSA_SHA512)]
    [TestCase("ecdsa_secp256k1_sha256_p1363_test.json", CKM.CKM_ECDSA_SHA256)]
    public void ECDSA_P1363_signatures_verify(string file, CKM mechanism)
    {
        ulong key = 0;
        JsonElement? current = null;
        Check(file, (group, t) =>
        {
            if (!current.Equals(group))
            {
                var pk = group.GetProperty("publicKey");
                key = EcCalls.ImportPublic(Session, CKK.CKK_EC, CurveParams(pk.GetProperty("curve").GetString()!),
                    EcCalls.OctetString(Hex(pk, "uncompressed")));
                current = group;
            }
            CKR rv = EcCalls.Verify(Session, mechanism, key, Hex(t, "msg"), Hex(t, "sig"));
            Assert.That(rv, Is.AnyOf(CKR.CKR_OK, CKR.CKR_SIGNATURE_INVALID, CKR.CKR_SIGNATURE_LEN_RANGE), $"tc{t.GetProperty("tcId")}: C_Verify");
            return rv == CKR.CKR_OK;
        }, _ => throw new InvalidOperationException("no acceptable ECDSA cases"));
    }

    /// <summary>The one "acceptable" case per file is a compressed public point: the token takes uncompressed points
    /// only (CKF_EC_UNCOMPRESS), so it refuses it.</summary>
    [TestCase("ecdh_secp256r1_ecpoint_test.json")]
    [TestCase("ecdh_secp384r1_ecpoint_test.json")]
    [TestCase("ecdh_secp521r1_ecpoint_test.json")]
    public void ECDH_with_X962_points(string file) => Check(file, (group, t) =>
    {
        ulong priv = EcCalls.ImportPrivate(Session, CKK.CKK_EC, CurveParams(group.GetProperty("curve").GetString()!), Hex(t, "private"));
        return Derives(priv, Hex(t, "public"), Hex(t, "shared"), t);
    }, t => !HasFlag(t, "CompressedPublic"));

    /// <summary>"Acceptable" X25519 cases: the token refuses exactly those whose shared secret is zero (a small-order
    /// public key, RFC 7748 §6.1's check), and computes the rest (twist points, non-canonical u).</summary>
    [Test]
    public void X25519() => Check("x25519_test.json", (_, t) =>
    {
        ulong priv = EcCalls.ImportPrivate(Session, EcCalls.CKK_EC_MONTGOMERY, EcCalls.X25519, Hex(t, "private"));
        return Derives(priv, Hex(t, "public"), Hex(t, "shared"), t);
    }, t => Hex(t, "shared").Any(b => b != 0));

    private bool Derives(ulong priv, byte[] publicData, byte[] shared, JsonElement t)
    {
        CKR rv = EcCalls.TryDerive(Session, priv, publicData, out ulong secret);
        if (rv != CKR.CKR_OK)
        {
            Assert.That(rv, Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), $"tc{t.GetProperty("tcId")}: C_DeriveKey refuses bad public data");
            return false;
        }
        return P11.Get(Session, secret, CKA.CKA_VALUE).AsSpan().SequenceEqual(shared);
    }

    [TestCase("ed25519_test.json", "1.3.101.112")]
    [TestCase("ed448_test.json", "1.3.101.113")]
    public void EdDSA_signatures_verify(string file, string oid)
    {
        byte[] ecParams = oid.EndsWith("112") ? EcCalls.Ed25519 : EcCalls.Ed448;
        ulong key = 0;
        JsonElement? current = null;
        Check(file, (group, t) =>
        {
            if (!current.Equals(group))
            {
                key = EcCalls.ImportPublic(Session, EcCalls.CKK_EC_EDWARDS, ecParams, Hex(group.GetProperty("publicKey"), "pk"));
                current = group;
            }
            CKR rv = EcCalls.Verify(Session, EcCalls.CKM_EDDSA, key, Hex(t, "msg"), Hex(t, "sig"));
            Assert.That(rv, Is.AnyOf(CKR.CKR_OK, CKR.CKR_SIGNATURE_INVALID, CKR.CKR_SIGNATURE_LEN_RANGE), $"tc{t.GetProperty("tcId")}: C_Verify");
            return rv == CKR.CKR_OK;
        }, _ => throw new InvalidOperationException("no acceptable EdDSA cases"));
    }
}
