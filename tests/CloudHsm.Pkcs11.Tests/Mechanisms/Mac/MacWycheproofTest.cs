using System.Text.Json;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Mechanisms.Mac;

/// <summary>
/// Project Wycheproof's HMAC, AES-CMAC and HKDF vectors (tests/TestVectors/wycheproof, see its README)
/// through the published library. MAC keys are imported with C_CreateObject (HMAC as CKK_GENERIC_SECRET, CMAC
/// as CKK_AES); a full-length tag is checked with CKM_*_HMAC / CKM_AES_CMAC, a truncated one with the
/// *_GENERAL form. "valid" tags must verify (and sign to the same tag), "invalid" ones must be refused with
/// CKR_SIGNATURE_INVALID or CKR_SIGNATURE_LEN_RANGE (CMAC keys of a non-AES length already at import).
/// HKDF derives a readable generic secret and compares CKA_VALUE.
/// </summary>
public sealed class MacWycheproofTest : RwUserSessionFixture
{
    private static JsonElement Load(string file)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestVectors", "wycheproof", file);
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement;
    }

    private static byte[] Hex(JsonElement t, string name) => Convert.FromHexString(t.GetProperty(name).GetString()!);

    private static string Name(JsonElement t) => $"tc{t.GetProperty("tcId").GetInt32()} {t.GetProperty("result").GetString()} {t.GetProperty("comment").GetString()}";

    [TestCase("hmac_sha1_test.json", CKM.CKM_SHA_1_HMAC, CKM.CKM_SHA_1_HMAC_GENERAL, 20)]
    [TestCase("hmac_sha224_test.json", CKM.CKM_SHA224_HMAC, CKM.CKM_SHA224_HMAC_GENERAL, 28)]
    [TestCase("hmac_sha256_test.json", CKM.CKM_SHA256_HMAC, CKM.CKM_SHA256_HMAC_GENERAL, 32)]
    [TestCase("hmac_sha384_test.json", CKM.CKM_SHA384_HMAC, CKM.CKM_SHA384_HMAC_GENERAL, 48)]
    [TestCase("hmac_sha512_test.json", CKM.CKM_SHA512_HMAC, CKM.CKM_SHA512_HMAC_GENERAL, 64)]
    [TestCase("aes_cmac_test.json", CKM.CKM_AES_CMAC, CKM.CKM_AES_CMAC_GENERAL, 16)]
    public void MAC_vectors(string file, CKM full, CKM general, int fullLength)
    {
        bool cmac = full == CKM.CKM_AES_CMAC;
        int valid = 0, invalid = 0;
        var failures = new List<string>();
        foreach (var group in Load(file).GetProperty("testGroups").EnumerateArray())
        {
            int tagLength = group.GetProperty("tagSize").GetInt32() / 8;
            foreach (var t in group.GetProperty("tests").EnumerateArray())
            {
                byte[] key = Hex(t, "key"), msg = Hex(t, "msg"), tag = Hex(t, "tag");
                string result = t.GetProperty("result").GetString()!;
                CKR created = P11.TryCreate(Session, out ulong handle, MacCalls.SecretTemplate(cmac ? CKK.CKK_AES : CKK.CKK_GENERIC_SECRET, key));
                if (created != CKR.CKR_OK)
                {
                    // Only a CMAC key of a length AES does not have may be refused, and only for an invalid test.
                    if (result == "valid" || !cmac) failures.Add($"{Name(t)}: C_CreateObject {created}");
                    else invalid++;
                    continue;
                }
                using var mechanism = MacCalls.Mechanism(tagLength == fullLength ? full : general, tagLength == fullLength ? null : (ulong)tagLength);
                CKR verified = MacCalls.TryVerify(Session, mechanism, handle, msg, tag);
                if (result == "valid")
                {
                    valid++;
                    if (verified != CKR.CKR_OK) failures.Add($"{Name(t)}: C_Verify {verified}");
                    var (signed, mac) = MacCalls.TrySign(Session, mechanism, handle, msg);
                    if (signed != CKR.CKR_OK || !mac.AsSpan().SequenceEqual(tag)) failures.Add($"{Name(t)}: C_Sign {signed}");
                }
                else if (result == "invalid")
                {
                    invalid++;
                    if (verified is not (CKR.CKR_SIGNATURE_INVALID or CKR.CKR_SIGNATURE_LEN_RANGE))
                        failures.Add($"{Name(t)}: C_Verify {verified}");
                }
                P11.Destroy(Session, handle);
            }
        }
        TestContext.Out.WriteLine($"{file}: {valid} valid, {invalid} invalid run");
        Assert.That(failures, Is.Empty);
        Assert.That(valid, Is.GreaterThan(0));
    }

    [Test]
    public void HKDF_SHA256_vectors()
    {
        int valid = 0, invalid = 0;
        var failures = new List<string>();
        foreach (var group in Load("hkdf_sha256_test.json").GetProperty("testGroups").EnumerateArray())
            foreach (var t in group.GetProperty("tests").EnumerateArray())
            {
                byte[] ikm = Hex(t, "ikm"), salt = Hex(t, "salt"), info = Hex(t, "info"), okm = Hex(t, "okm");
                int size = t.GetProperty("size").GetInt32();
                string result = t.GetProperty("result").GetString()!;
                ulong baseKey = P11.Create(Session, MacCalls.SecretTemplate(CKK.CKK_GENERIC_SECRET, ikm));
                using var mechanism = MacCalls.Hkdf(true, true, CKM.CKM_SHA256, salt.Length == 0 ? MacCalls.SaltNull : MacCalls.SaltData, salt, info);
                var (rv, derived) = MacCalls.TryDerive(Session, mechanism, baseKey, MacCalls.DerivedTemplate((ulong)size));
                if (result == "valid")
                {
                    valid++;
                    if (rv != CKR.CKR_OK) failures.Add($"{Name(t)}: C_DeriveKey {rv}");
                    else if (!P11.Get(Session, derived, CKA.CKA_VALUE).AsSpan().SequenceEqual(okm)) failures.Add($"{Name(t)}: wrong CKA_VALUE");
                }
                else if (result == "invalid")
                {
                    invalid++;
                    if (rv == CKR.CKR_OK) failures.Add($"{Name(t)}: C_DeriveKey accepted size {size}");
                }
                if (rv == CKR.CKR_OK) P11.Destroy(Session, derived);
                P11.Destroy(Session, baseKey);
            }
        TestContext.Out.WriteLine($"hkdf_sha256_test.json: {valid} valid, {invalid} invalid run");
        Assert.That(failures, Is.Empty);
        Assert.That(valid, Is.GreaterThan(0));
    }
}
