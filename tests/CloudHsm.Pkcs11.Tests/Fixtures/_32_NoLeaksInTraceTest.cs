using System.Security.Cryptography;
using System.Text;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using CloudHsm.Pkcs11.Tests.Mechanisms.Aes;
using CloudHsm.Pkcs11.Tests.Mechanisms.Mac;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// No leaks in the diagnostic log (issue 5 part 5; docs/configuration.md "Diagnostics without editing the file";
/// STYLE 6.13: "never PINs, key bytes, plaintext or signatures"). The log is turned on the way an operator does, with
/// CLOUDHSM_PKCS11_TRACE=&lt;file&gt; and the most verbose level, CLOUDHSM_PKCS11_TRACE_LEVEL=debug (one line per call,
/// with the detail of every refused call). The module reads both at C_Initialize, so this process sets them with
/// setenv between C_Finalize and C_Initialize and removes them after. A session then goes through everything that
/// handles a PIN or key material — C_InitToken, C_InitPIN, wrong PINs, C_Login, C_SetPIN, imports, reads refused
/// as sensitive, a refused import of known bytes, signatures, encryption, wrap/unwrap, derivation, C_DigestKey —
/// and the log must hold none of them in any form <see cref="SecretScan"/> knows (raw, hex of either case, base64).
/// </summary>
public sealed class _32_NoLeaksInTraceTest : Pkcs11Fixture
{
    private const string TraceVariable = "CLOUDHSM_PKCS11_TRACE", LevelVariable = "CLOUDHSM_PKCS11_TRACE_LEVEL";
    private static readonly CKM AesKeyWrapKwp = (CKM)0x210B;

    [Test]
    public void The_debug_trace_holds_no_PIN_no_key_material_no_plaintext_and_no_signature()
    {
        string log = Path.Combine(TestEnvironment.WorkDirectory, "trace-" + Guid.NewGuid().ToString("N")[..8] + ".log");
        var scan = new SecretScan();
        P11.Ok(Module.Low.C_Finalize(IntPtr.Zero), "C_Finalize");
        Libc.SetEnvironmentVariable(TraceVariable, log);
        Libc.SetEnvironmentVariable(LevelVariable, "debug");
        try
        {
            P11.Ok(Module.Initialize(), "C_Initialize with the trace on");
            Module.ForgetSlots();
            RunSessionThatHandlesSecrets(scan);
        }
        finally
        {
            Module.Low.C_Finalize(IntPtr.Zero);
            Libc.UnsetEnvironmentVariable(TraceVariable);
            Libc.UnsetEnvironmentVariable(LevelVariable);
            Module.EnsureInitialized();
        }

        Assert.That(File.Exists(log), Is.True, "the trace file was written");
        byte[] trace = File.ReadAllBytes(log);
        string text = Encoding.UTF8.GetString(trace);
        foreach (string call in new[] { "C_InitToken", "C_InitPIN", "C_Login", "C_SetPIN", "C_CreateObject", "C_GetAttributeValue", "C_Sign",
                     "C_Encrypt", "C_Decrypt", "C_WrapKey", "C_UnwrapKey", "C_DeriveKey", "C_DigestKey", "CKR_PIN_INCORRECT",
                     "CKR_ATTRIBUTE_SENSITIVE", "CKR_ATTRIBUTE_VALUE_INVALID", "DEBUG" })
            Assert.That(text, Does.Contain(call), $"the trace is at the most verbose level and names {call}");
        Assert.That(scan.FindIn(trace), Is.Empty, $"secrets in the trace ({trace.Length} bytes, {text.Count(c => c == '\n')} lines)");
    }

    /// <summary>The scan itself: it must find a secret written in any of the forms it claims to look for, so that an
    /// empty answer above means something.</summary>
    [Test]
    public void The_scan_finds_a_secret_in_each_form_it_looks_for()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        var scan = new SecretScan().Add("key", key).Add("PIN", "correct-horse-battery"u8.ToArray());
        byte[] prefix = Encoding.ASCII.GetBytes("2026-01-01 DEBUG C_Foo(value="), suffix = Encoding.ASCII.GetBytes(") = CKR_OK\n");
        string[] forms =
        [
            Convert.ToHexString(key), Convert.ToHexStringLower(key), Convert.ToHexString(key.AsSpan(3, 12)),
            Convert.ToBase64String(key), Convert.ToBase64String([1, .. key]), Convert.ToBase64String([1, 2, .. key]), Convert.ToBase64String(key.AsSpan(0, 20)),
            "pin=correct-horse-battery",
        ];
        foreach (string form in forms)
            Assert.That(scan.FindIn([.. prefix, .. Encoding.ASCII.GetBytes(form), .. suffix]), Is.Not.Empty, $"the form '{form}'");
        Assert.That(scan.FindIn([.. prefix, .. key.AsSpan(5, 12), .. suffix]), Is.Not.Empty, "12 raw bytes of the key");
        Assert.That(scan.FindIn([.. prefix, .. Encoding.ASCII.GetBytes("PIN length 21, key of 32 bytes"), .. suffix]), Is.Empty, "lengths are no secret");
    }

    private static void RunSessionThatHandlesSecrets(SecretScan scan)
    {
        string soPin = _31_NoLeaksAtRestTest.RandomPin(), userPin = _31_NoLeaksAtRestTest.RandomPin();
        string newUserPin = _31_NoLeaksAtRestTest.RandomPin(), wrongPin = _31_NoLeaksAtRestTest.RandomPin();
        foreach (var (what, pin) in new[] { ("SO PIN", soPin), ("user PIN", userPin), ("new user PIN", newUserPin), ("wrong PIN", wrongPin) })
            scan.Add(what, Encoding.UTF8.GetBytes(pin));

        ulong slot = Tokens.InitToken("trace-" + Guid.NewGuid().ToString("N")[..8], soPin);
        try
        {
            Tokens.InitUserPin(slot, soPin, userPin);
            ulong s = P11.OpenSession(slot, readWrite: true);
            Assert.That(P11.TryLogin(s, CKU.CKU_SO, wrongPin), Is.EqualTo(CKR.CKR_PIN_INCORRECT), "a wrong SO PIN");
            Assert.That(P11.TryLogin(s, CKU.CKU_USER, wrongPin), Is.EqualTo(CKR.CKR_PIN_INCORRECT), "a wrong user PIN");
            P11.Login(s, CKU.CKU_USER, userPin);
            byte[] oldPin = P11.Pin(userPin), newPin = P11.Pin(newUserPin), badOld = P11.Pin(wrongPin);
            Assert.That(Module.Low.C_SetPIN(s, badOld, (ulong)badOld.Length, newPin, (ulong)newPin.Length), Is.EqualTo(CKR.CKR_PIN_INCORRECT),
                "C_SetPIN with a wrong old PIN");
            P11.Ok(Module.Low.C_SetPIN(s, oldPin, (ulong)oldPin.Length, newPin, (ulong)newPin.Length), "C_SetPIN");
            P11.Logout(s);
            Assert.That(P11.TryLogin(s, CKU.CKU_USER, userPin), Is.EqualTo(CKR.CKR_PIN_INCORRECT), "the old PIN no longer works");
            P11.Login(s, CKU.CKU_USER, newUserPin);

            // Imports of known keys, and reads and changes that must be refused.
            var handles = new Dictionary<string, ulong>();
            foreach (KnownKey key in KnownKeys.All())
            {
                foreach (var (type, value) in key.Secrets)
                    scan.Add($"{key} {Names.Attribute((ulong)type)}", value.SkipWhile(b => b == 0).ToArray());
                ulong h = key.Import(s, Concealment.Sensitive);
                handles[key.Name] = h;
                Assert.That(P11.TryGet(s, h, key.Secrets[0].Type, out _), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE));
                Assert.That(P11.TrySet(s, h, Attr.Bytes(key.Secrets[0].Type, key.Secrets[0].Value)), Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY));
                Assert.That(P11.TryFind(s, out _, 4, Attr.Bytes(key.Secrets[0].Type, key.Secrets[0].Value)), Is.EqualTo(CKR.CKR_OK));
            }
            byte[] badValue = TestData.Random(17);
            scan.Add("refused AES value", badValue);
            Assert.That(P11.TryCreate(s, out _, TestData.AesKey(P11.UniqueLabel("bad"), badValue)), Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID),
                "an AES key of 17 bytes");
            KnownKey aes = KnownKeys.Aes();
            scan.Add("readable AES key", aes.Secrets[0].Value);
            ulong readable = P11.Create(s, aes.Template(P11.UniqueLabel("readable"), Concealment.Sensitive, Attr.Bool(CKA.CKA_SENSITIVE, false)));
            Assert.That(P11.Get(s, readable, CKA.CKA_VALUE), Is.EqualTo(aes.Secrets[0].Value), "a readable key is read");

            // Signatures, MACs, encryption: neither the data nor the results belong in the log.
            byte[] message = TestData.Random(48);
            scan.Add("message", message);
            foreach (var (mechanism, key) in new[] { (CKM.CKM_SHA256_RSA_PKCS, "RSA-2048"), (CKM.CKM_ECDSA_SHA256, "EC P-256"), (CKM.CKM_SHA256_HMAC, "generic secret 32") })
            {
                using var m = new NativeMechanism((ulong)mechanism);
                var (rv, signature) = TrySign(s, m, handles[key], message);
                P11.Ok(rv, $"C_Sign({mechanism})");
                scan.Add($"{mechanism} signature", signature);
            }
            byte[] plaintext = TestData.Random(40), iv = TestData.Random(12);
            scan.Add("plaintext", plaintext);
            using (var gcm = AesCalls.Gcm(iv, [], 128))
            {
                byte[] ciphertext = AesCalls.Encrypt(s, gcm, handles["AES-256"], plaintext);
                Assert.That(AesCalls.Decrypt(s, gcm, handles["AES-256"], ciphertext), Is.EqualTo(plaintext));
                ciphertext[3] ^= 1;
                Assert.That(AesCalls.TryDecrypt(s, gcm, handles["AES-256"], ciphertext).Rv, Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_INVALID), "a damaged ciphertext");
            }

            // Wrap, unwrap (also of a damaged blob), derive, digest a key.
            using (var kwp = new NativeMechanism((ulong)AesKeyWrapKwp))
            {
                ulong len = 0;
                P11.Ok(Module.Low.C_WrapKey(s, ref kwp.Value, handles["AES-256"], readable, null, ref len), "C_WrapKey(size)");
                var wrapped = new byte[len];
                P11.Ok(Module.Low.C_WrapKey(s, ref kwp.Value, handles["AES-256"], readable, wrapped, ref len), "C_WrapKey");
                using var t = new NativeTemplate([Attr.Class(CKO.CKO_SECRET_KEY), Attr.KeyType(CKK.CKK_AES), Attr.Token(false)]);
                ulong unwrapped = 0;
                P11.Ok(Module.Low.C_UnwrapKey(s, ref kwp.Value, handles["AES-256"], wrapped, len, t.Attributes, t.Count, ref unwrapped), "C_UnwrapKey");
                wrapped[5] ^= 1;
                Assert.That(Module.Low.C_UnwrapKey(s, ref kwp.Value, handles["AES-256"], wrapped, len, t.Attributes, t.Count, ref unwrapped),
                    Is.EqualTo(CKR.CKR_WRAPPED_KEY_INVALID), "a damaged wrapped key");
            }
            using (var hkdf = MacCalls.Hkdf(true, true, CKM.CKM_SHA256, MacCalls.SaltData, TestData.Random(16), [7]))
            {
                var (rv, derived) = MacCalls.TryDerive(s, hkdf, handles["generic secret 32"], MacCalls.DerivedTemplate(32));
                P11.Ok(rv, "C_DeriveKey(CKM_HKDF_DERIVE)");
                scan.Add("derived key", P11.Get(s, derived, CKA.CKA_VALUE));
            }
            P11.Ok(P11.DigestInit(s, CKM.CKM_SHA256), "C_DigestInit");
            P11.Ok(Module.Low.C_DigestKey(s, handles["AES-256"]), "C_DigestKey");
            var digest = new byte[32];
            ulong digestLen = 32;
            P11.Ok(Module.Low.C_DigestFinal(s, digest, ref digestLen), "C_DigestFinal");
            scan.Add("key digest", digest);
        }
        finally
        {
            P11.CloseAll(slot);
        }
    }

    private static (CKR Rv, byte[] Signature) TrySign(ulong session, NativeMechanism m, ulong key, byte[] data)
    {
        CKR rv = Module.Low.C_SignInit(session, ref m.Value, key);
        if (rv != CKR.CKR_OK) return (rv, []);
        ulong len = 0;
        rv = Module.Low.C_Sign(session, data, (ulong)data.Length, null, ref len);
        if (rv != CKR.CKR_OK) return (rv, []);
        var signature = new byte[len];
        rv = Module.Low.C_Sign(session, data, (ulong)data.Length, signature, ref len);
        return (rv, signature[..(int)len]);
    }
}
