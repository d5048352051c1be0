using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Mechanisms.Mac;

/// <summary>
/// The MAC/KDF family through the published library: generic secret key generation, parameter structures
/// as a C caller lays them out (CK_MAC_GENERAL_PARAMS, CK_SP800_108_KDF_PARAMS, CK_HKDF_PARAMS), the
/// refusals, and HMAC checked against the openssl command line.
/// </summary>
public sealed class MacMechanismsTest : RwUserSessionFixture
{
    private const ulong SignVerify = 0x800 | 0x2000, Generate = 0x8000, Derive = 0x80000;
    private const ulong IterationVariable = 1, DkmLength = 3, ByteArray = 4, SumOfKeys = 1;

    [Test]
    public void Generic_secret_key_gen_makes_a_key_that_MACs()
    {
        using var m = new NativeMechanism((ulong)CKM.CKM_GENERIC_SECRET_KEY_GEN);
        using var t = new NativeTemplate([Attr.Token(false), Attr.Bool(CKA.CKA_SENSITIVE, false), Attr.Bool(CKA.CKA_SIGN, true), Attr.ULong(CKA.CKA_VALUE_LEN, 48)]);
        ulong key = 0;
        P11.Ok(Module.Low.C_GenerateKey(Session, ref m.Value, t.Attributes, t.Count, ref key), "C_GenerateKey");
        byte[] value = P11.Get(Session, key, CKA.CKA_VALUE);
        Assert.That(value, Has.Length.EqualTo(48));
        Assert.That(P11.GetULong(Session, key, CKA.CKA_KEY_TYPE), Is.EqualTo((ulong)CKK.CKK_GENERIC_SECRET));
        Assert.That(P11.GetBool(Session, key, CKA.CKA_LOCAL), Is.True);
        byte[] data = TestData.Random(64);
        using var hmac = MacCalls.Mechanism(CKM.CKM_SHA256_HMAC);
        var (rv, mac) = MacCalls.TrySign(Session, hmac, key, data);
        P11.Ok(rv, "C_Sign");
        Assert.That(mac, Is.EqualTo(HMACSHA256.HashData(value, data)));

        using var noLength = new NativeTemplate([Attr.Token(false)]);
        Assert.That(Module.Low.C_GenerateKey(Session, ref m.Value, noLength.Attributes, noLength.Count, ref key), Is.EqualTo(CKR.CKR_TEMPLATE_INCOMPLETE));
    }

    [Test]
    public void HMAC_matches_the_openssl_command_line()
    {
        byte[] key = TestData.Random(40), data = TestData.Random(300);
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, data);
            ulong handle = P11.Create(Session, MacCalls.SecretTemplate(CKK.CKK_GENERIC_SECRET, key));
            foreach (var (mechanism, digest) in new[] { (CKM.CKM_SHA_1_HMAC, "sha1"), (CKM.CKM_SHA224_HMAC, "sha224"), (CKM.CKM_SHA256_HMAC, "sha256"),
                         (CKM.CKM_SHA384_HMAC, "sha384"), (CKM.CKM_SHA512_HMAC, "sha512") })
            {
                using var m = MacCalls.Mechanism(mechanism);
                var (rv, mac) = MacCalls.TrySign(Session, m, handle, data);
                P11.Ok(rv, $"C_Sign({mechanism})");
                Assert.That(Convert.ToHexStringLower(mac), Is.EqualTo(OpenSslHmac(digest, key, file)), $"{mechanism} vs openssl dgst -{digest}");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string OpenSslHmac(string digest, byte[] key, string file)
    {
        var start = new ProcessStartInfo("openssl", ["dgst", $"-{digest}", "-mac", "HMAC", "-macopt", $"hexkey:{Convert.ToHexString(key)}", "-r", file])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Ignore("openssl is not installed");
            throw;
        }
        using (process)
        {
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.That(process.ExitCode, Is.Zero, process.StandardError.ReadToEnd());
            return output.Split(' ')[0].Trim().ToLowerInvariant();
        }
    }

    [Test]
    public void HMAC_general_parameter_is_checked()
    {
        ulong handle = P11.Create(Session, MacCalls.SecretTemplate(CKK.CKK_GENERIC_SECRET, TestData.Random(32)));
        using (var m = MacCalls.Mechanism(CKM.CKM_SHA256_HMAC_GENERAL, 33))
            Assert.That(Module.Low.C_SignInit(Session, ref m.Value, handle), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "33 bytes");
        using (var m = new NativeMechanism((ulong)CKM.CKM_SHA256_HMAC_GENERAL).WithBytes([16, 0, 0, 0]))
            Assert.That(Module.Low.C_SignInit(Session, ref m.Value, handle), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "4-byte parameter");
        using (var m = MacCalls.Mechanism(CKM.CKM_SHA256_HMAC_GENERAL, 16))
        {
            byte[] data = TestData.Random(20);
            var (rv, mac) = MacCalls.TrySign(Session, m, handle, data);
            P11.Ok(rv, "C_Sign");
            Assert.That(mac, Has.Length.EqualTo(16));
            Assert.That(MacCalls.TryVerify(Session, m, handle, data, mac), Is.EqualTo(CKR.CKR_OK));
            Assert.That(MacCalls.TryVerify(Session, m, handle, data, mac[..15]), Is.EqualTo(CKR.CKR_SIGNATURE_LEN_RANGE));
        }
        ulong wrongType = P11.Create(Session, MacCalls.SecretTemplate(CKK.CKK_SHA384_HMAC, TestData.Random(32)));
        using (var m = MacCalls.Mechanism(CKM.CKM_SHA256_HMAC))
            Assert.That(Module.Low.C_SignInit(Session, ref m.Value, wrongType), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT));
    }

    /// <summary>CK_SP800_108_KDF_PARAMS with [i]32 || label || 0x00 || context || [L]32 (SP 800-108 §5.1).</summary>
    /// <param name="additionalKeys">CK_DERIVED_KEY entries (pTemplate, ulAttributeCount, phKey), 24 bytes each.</param>
    private static NativeMechanism CounterKdf(CKM prf, byte[] label, byte[] context, ulong additionalKeys = 0, byte[]? derivedKeys = null)
    {
        var m = new NativeMechanism((ulong)MacCalls.CKM_SP800_108_COUNTER_KDF);
        IntPtr counter = m.Pin(Fields(0, 32));
        IntPtr dkm = m.Pin(Fields(SumOfKeys, 0, 32));
        IntPtr zero = m.Pin([0]);
        byte[] data = Fields(
            IterationVariable, (ulong)counter, 16,
            ByteArray, (ulong)m.Pin(label), (ulong)label.Length,
            ByteArray, (ulong)zero, 1,
            ByteArray, (ulong)m.Pin(context), (ulong)context.Length,
            DkmLength, (ulong)dkm, 24);
        IntPtr entries = additionalKeys == 0 ? IntPtr.Zero : m.Pin(derivedKeys ?? new byte[24 * (int)additionalKeys]);
        return m.WithFields((ulong)prf, 5, (ulong)m.Pin(data), additionalKeys, (ulong)entries);
    }

    private static byte[] Fields(params ulong[] fields) => fields.SelectMany(BitConverter.GetBytes).ToArray();

    [Test]
    public void SP800_108_counter_KDF_matches_a_HMAC_loop()
    {
        byte[] key = TestData.Random(32), label = TestData.Random(7), context = TestData.Random(9);
        ulong baseKey = P11.Create(Session, MacCalls.SecretTemplate(CKK.CKK_GENERIC_SECRET, key));
        using var m = CounterKdf(CKM.CKM_SHA256_HMAC, label, context);
        var (rv, derived) = MacCalls.TryDerive(Session, m, baseKey, MacCalls.DerivedTemplate(48));
        P11.Ok(rv, "C_DeriveKey(CKM_SP800_108_COUNTER_KDF)");
        byte[] expected = [];
        for (uint i = 1; i <= 2; i++)
        {
            byte[] input = [.. BigEndian(i), .. label, 0, .. context, .. BigEndian(48 * 8)];
            expected = [.. expected, .. HMACSHA256.HashData(key, input)];
        }
        Assert.That(P11.Get(Session, derived, CKA.CKA_VALUE), Is.EqualTo(expected[..48]));
        Assert.That(P11.GetBool(Session, derived, CKA.CKA_LOCAL), Is.False);

        using var aesPrf = CounterKdf(CKM.CKM_AES_CMAC, label, context);
        var (aesRv, aesKey) = MacCalls.TryDerive(Session, aesPrf,
            P11.Create(Session, MacCalls.SecretTemplate(CKK.CKK_AES, TestData.Random(16))), MacCalls.DerivedTemplate(32, CKK.CKK_AES));
        P11.Ok(aesRv, "C_DeriveKey with an AES-CMAC PRF");
        Assert.That(P11.Get(Session, aesKey, CKA.CKA_VALUE), Has.Length.EqualTo(32));
    }

    private static byte[] BigEndian(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    [Test]
    public void SP800_108_refusals()
    {
        ulong baseKey = P11.Create(Session, MacCalls.SecretTemplate(CKK.CKK_GENERIC_SECRET, TestData.Random(32)));
        using (var additional = CounterKdf(CKM.CKM_SHA256_HMAC, [1], [2], additionalKeys: 1))
            Assert.That(MacCalls.TryDerive(Session, additional, baseKey, MacCalls.DerivedTemplate(16)).Rv, Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID),
                "a CK_DERIVED_KEY with a NULL phKey");
        using (var digestPrf = CounterKdf(CKM.CKM_SHA256, [1], [2]))
            Assert.That(MacCalls.TryDerive(Session, digestPrf, baseKey, MacCalls.DerivedTemplate(16)).Rv, Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        using (var noParameter = new NativeMechanism((ulong)MacCalls.CKM_SP800_108_COUNTER_KDF))
            Assert.That(MacCalls.TryDerive(Session, noParameter, baseKey, MacCalls.DerivedTemplate(16)).Rv, Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
        using (var ok = CounterKdf(CKM.CKM_SHA256_HMAC, [1], [2]))
            Assert.That(MacCalls.TryDerive(Session, ok, baseKey, MacCalls.DerivedTemplate(17, CKK.CKK_AES)).Rv, Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID));
    }

    /// <summary>One CK_DERIVED_KEY (linux-x64: pTemplate, ulAttributeCount, phKey) for a readable session key,
    /// its template in <paramref name="m"/>'s native memory.</summary>
    private static byte[] DerivedKeyEntry(NativeMechanism m, CKK type, ulong length, IntPtr phKey)
    {
        (CKA Type, byte[] Value)[] attributes =
        [
            (CKA.CKA_KEY_TYPE, BitConverter.GetBytes((ulong)type)), (CKA.CKA_VALUE_LEN, BitConverter.GetBytes(length)),
            (CKA.CKA_SENSITIVE, [0]), (CKA.CKA_TOKEN, [0]),
        ];
        IntPtr template = m.Pin(Fields(attributes.SelectMany(a => new[] { (ulong)a.Type, (ulong)m.Pin(a.Value), (ulong)a.Value.Length }).ToArray()));
        return Fields((ulong)template, (ulong)attributes.Length, (ulong)phKey);
    }

    [Test]
    public void SP800_108_additional_keys_get_their_handles_and_slices()
    {
        byte[] key = TestData.Random(32), label = TestData.Random(7), context = TestData.Random(9);
        ulong baseKey = P11.Create(Session, MacCalls.SecretTemplate(CKK.CKK_GENERIC_SECRET, key));
        using (var memory = new NativeMechanism(0))
        {
            IntPtr first = memory.Pin(new byte[8]), second = memory.Pin(new byte[8]);
            byte[] entries = [.. DerivedKeyEntry(memory, CKK.CKK_GENERIC_SECRET, 16, first), .. DerivedKeyEntry(memory, CKK.CKK_AES, 32, second)];
            using var kdf = CounterKdf(CKM.CKM_SHA256_HMAC, label, context, additionalKeys: 2, derivedKeys: entries);
            var (rv, primary) = MacCalls.TryDerive(Session, kdf, baseKey, MacCalls.DerivedTemplate(48));
            P11.Ok(rv, "C_DeriveKey with two CK_DERIVED_KEY entries");
            ulong h1 = (ulong)Marshal.ReadInt64(first), h2 = (ulong)Marshal.ReadInt64(second);
            Assert.That(new[] { primary, h1, h2, 0UL }.Distinct().Count(), Is.EqualTo(4), "three distinct valid handles");

            // Disjoint segments (§6.42): the 48-byte key takes K(1) and K(2), then K(3) and K(4); [L] is the sum of the keys.
            byte[] stream = [];
            for (uint i = 1; i <= 4; i++)
                stream = [.. stream, .. HMACSHA256.HashData(key, (byte[])[.. BigEndian(i), .. label, 0, .. context, .. BigEndian(96 * 8)])];
            Assert.That(P11.Get(Session, primary, CKA.CKA_VALUE), Is.EqualTo(stream[..48]));
            Assert.That(P11.Get(Session, h1, CKA.CKA_VALUE), Is.EqualTo(stream[64..80]));
            Assert.That(P11.Get(Session, h2, CKA.CKA_VALUE), Is.EqualTo(stream[96..128]));
            Assert.That(P11.GetULong(Session, h2, CKA.CKA_KEY_TYPE), Is.EqualTo((ulong)CKK.CKK_AES));
        }

        using (var memory = new NativeMechanism(0))
        {
            IntPtr ok = memory.Pin(BitConverter.GetBytes(77UL)), offending = memory.Pin(BitConverter.GetBytes(77UL));
            byte[] entries = [.. DerivedKeyEntry(memory, CKK.CKK_GENERIC_SECRET, 16, ok), .. DerivedKeyEntry(memory, CKK.CKK_AES, 17, offending)];
            using var kdf = CounterKdf(CKM.CKM_SHA256_HMAC, label, context, additionalKeys: 2, derivedKeys: entries);
            Assert.That(MacCalls.TryDerive(Session, kdf, baseKey, MacCalls.DerivedTemplate(16)).Rv, Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID));
            Assert.That((Marshal.ReadInt64(ok), Marshal.ReadInt64(offending)), Is.EqualTo((77L, 0L)), "CK_INVALID_HANDLE names the offending template");
        }
    }

    [Test]
    public void HKDF_extract_only_and_with_a_salt_key()
    {
        byte[] ikm = TestData.Random(25), salt = TestData.Random(11);
        ulong baseKey = P11.Create(Session, MacCalls.SecretTemplate(CKK.CKK_GENERIC_SECRET, ikm));
        using (var extract = MacCalls.Hkdf(true, false, CKM.CKM_SHA384, MacCalls.SaltData, salt, []))
        {
            var (rv, prk) = MacCalls.TryDerive(Session, extract, baseKey, MacCalls.DerivedTemplate(48));
            P11.Ok(rv, "C_DeriveKey(CKM_HKDF_DERIVE, extract)");
            Assert.That(P11.Get(Session, prk, CKA.CKA_VALUE), Is.EqualTo(HKDF.Extract(HashAlgorithmName.SHA384, ikm, salt)));
        }
        ulong saltKey = P11.Create(Session, MacCalls.SecretTemplate(CKK.CKK_GENERIC_SECRET, salt));
        using (var bySaltKey = MacCalls.Hkdf(true, true, CKM.CKM_SHA256, MacCalls.SaltKey, [], [1, 2], saltKey))
        {
            var (rv, okm) = MacCalls.TryDerive(Session, bySaltKey, baseKey, MacCalls.DerivedTemplate(16));
            P11.Ok(rv, "C_DeriveKey(CKM_HKDF_DERIVE, CKF_HKDF_SALT_KEY)");
            Assert.That(P11.Get(Session, okm, CKA.CKA_VALUE), Is.EqualTo(HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 16, salt, [1, 2])));
        }
        using (var noSuchSaltKey = MacCalls.Hkdf(true, true, CKM.CKM_SHA256, MacCalls.SaltKey, [], [], 0x7FFFFFF0))
            Assert.That(MacCalls.TryDerive(Session, noSuchSaltKey, baseKey, MacCalls.DerivedTemplate(16)).Rv, Is.EqualTo(CKR.CKR_KEY_HANDLE_INVALID));
        using (var neither = MacCalls.Hkdf(false, false, CKM.CKM_SHA256, MacCalls.SaltNull, [], []))
            Assert.That(MacCalls.TryDerive(Session, neither, baseKey, MacCalls.DerivedTemplate(16)).Rv, Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    [Test]
    public void Mechanism_info()
    {
        (CKM Mechanism, ulong Min, ulong Max, ulong Flags)[] expected =
        [
            (CKM.CKM_SHA256_HMAC, 1, 512, SignVerify),
            (CKM.CKM_SHA224_HMAC_GENERAL, 1, 512, SignVerify),
            (CKM.CKM_AES_CMAC, 16, 32, SignVerify),
            (CKM.CKM_GENERIC_SECRET_KEY_GEN, 8, 4096, Generate),
            (MacCalls.CKM_SP800_108_COUNTER_KDF, 8, 4096, Derive),
            (MacCalls.CKM_HKDF_DERIVE, 1, 512, Derive),
        ];
        foreach (var (mechanism, min, max, flags) in expected)
        {
            var info = new Net.Pkcs11Interop.LowLevelAPI80.CK_MECHANISM_INFO();
            P11.Ok(Module.Low.C_GetMechanismInfo(Module.MainSlot, mechanism, ref info), $"C_GetMechanismInfo({mechanism})");
            Assert.That((info.MinKeySize, info.MaxKeySize, info.Flags), Is.EqualTo((min, max, flags)), $"{mechanism}");
        }
    }
}
