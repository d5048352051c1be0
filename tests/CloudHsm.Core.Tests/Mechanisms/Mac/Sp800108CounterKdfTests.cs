using System.Buffers.Binary;
using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Mechanisms.Mac.Kdf;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace CloudHsm.Core.Tests.Mechanisms.Mac;

/// <summary>
/// CKM_SP800_108_COUNTER_KDF. No official NIST vector is at hand, so the known answers come from an
/// independent implementation: BouncyCastle's KdfCounterBytesGenerator (SP 800-108 counter mode, big-endian
/// counter between a fixed prefix and suffix). Little-endian encodings are checked against a loop over .NET's HMAC.
/// </summary>
public class Sp800108CounterKdfTests : MacFixture
{
    private static Mechanism Counter(CKM prf, params PrfDataParameter[] data) =>
        new(CKM.CKM_SP800_108_COUNTER_KDF, new Sp800108KdfParameter((ulong)prf, data, []));

    private static IMac BouncyPrf(CKM prf) => prf switch
    {
        CKM.CKM_SHA_1_HMAC => new HMac(new Sha1Digest()),
        CKM.CKM_SHA224_HMAC => new HMac(new Sha224Digest()),
        CKM.CKM_SHA256_HMAC => new HMac(new Sha256Digest()),
        CKM.CKM_SHA384_HMAC => new HMac(new Sha384Digest()),
        CKM.CKM_SHA512_HMAC => new HMac(new Sha512Digest()),
        CKM.CKM_AES_CMAC => new CMac(new Org.BouncyCastle.Crypto.Engines.AesEngine()),
        _ => throw new ArgumentOutOfRangeException(nameof(prf)),
    };

    private static byte[] Bouncy(CKM prf, byte[] key, byte[] prefix, byte[] suffix, int r, int length)
    {
        var generator = new KdfCounterBytesGenerator(BouncyPrf(prf));
        generator.Init(new KdfCounterParameters(key, prefix, suffix, r));
        var output = new byte[length];
        generator.GenerateBytes(output, 0, length);
        return output;
    }

    private ulong BaseKey(CKM prf, byte[] value) => prf == CKM.CKM_AES_CMAC ? Key(CKK.CKK_AES, value) : Generic(value);

    public static IEnumerable<TestCaseData> BouncyCases()
    {
        foreach (var prf in new[] { CKM.CKM_SHA_1_HMAC, CKM.CKM_SHA224_HMAC, CKM.CKM_SHA256_HMAC, CKM.CKM_SHA384_HMAC, CKM.CKM_SHA512_HMAC, CKM.CKM_AES_CMAC })
            foreach (var (r, length) in new[] { (8, 16), (16, 32), (24, 100), (32, 200) })
                yield return new TestCaseData(prf, r, length).SetArgDisplayNames(prf.ToString(), $"r={r}", $"L={length}");
    }

    [TestCaseSource(nameof(BouncyCases))]
    public void Matches_BouncyCastle_counter_mode(CKM prf, int r, int length)
    {
        byte[] key = RandomNumberGenerator.GetBytes(prf == CKM.CKM_AES_CMAC ? 32 : 40);
        byte[] label = RandomNumberGenerator.GetBytes(12), context = RandomNumberGenerator.GetBytes(20);
        // NIST SP 800-108 §5.1 sample layout with L as a 32-bit big-endian field: [i] || Label || 0x00 || Context || [L].
        byte[] lengthField = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(lengthField, (uint)length * 8);
        byte[] expected = Bouncy(prf, key, [], [.. label, 0, .. context, .. lengthField], r, length);

        var mechanism = Counter(prf, new PrfIterationVariable(false, (ulong)r), new PrfByteArray(label), new PrfByteArray([0]),
            new PrfByteArray(context), new PrfDkmLength(PrfDkmLength.SumOfKeys, false, 32));
        ulong derived = Backend.DeriveKey(Session, mechanism, BaseKey(prf, key), Derived(length: (ulong)length)).Key;
        Assert.That(Read(derived, CKA.CKA_VALUE), Is.EqualTo(expected));
    }

    [Test]
    public void Counter_after_a_prefix_matches_BouncyCastle_SCP03_layout()
    {
        // SCP03 (§6.42 sample): Label || 0x00 || [L]16 || [i]8 || Context.
        byte[] key = RandomNumberGenerator.GetBytes(16), label = RandomNumberGenerator.GetBytes(11), context = RandomNumberGenerator.GetBytes(8);
        byte[] expected = Bouncy(CKM.CKM_AES_CMAC, key, [.. label, 0, 0x00, 0x80], context, 8, 16);
        var mechanism = Counter(CKM.CKM_AES_CMAC, new PrfByteArray(label), new PrfByteArray([0]),
            new PrfDkmLength(PrfDkmLength.SumOfKeys, false, 16), new PrfIterationVariable(false, 8), new PrfByteArray(context));
        ulong derived = Backend.DeriveKey(Session, mechanism, Key(CKK.CKK_AES, key), Derived(CKK.CKK_AES, 16)).Key;
        Assert.That(Read(derived, CKA.CKA_VALUE), Is.EqualTo(expected));
    }

    [Test]
    public void Little_endian_fields_and_sum_of_segments()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32), label = [1, 2, 3];
        const int length = 40; // two SHA-256 segments: SUM_OF_SEGMENTS is 512 bits, SUM_OF_KEYS 320
        byte[] expected = new byte[64];
        for (int i = 1; i <= 2; i++)
        {
            byte[] input = [.. label, (byte)i, 0, 0, 0, 0x00, 0x02]; // [i]32 LE, then [L]16 LE = 512
            HMACSHA256.HashData(key, input).CopyTo(expected, (i - 1) * 32);
        }
        var mechanism = Counter(CKM.CKM_SHA256_HMAC, new PrfByteArray(label), new PrfIterationVariable(true, 32),
            new PrfDkmLength(PrfDkmLength.SumOfSegments, true, 16));
        ulong derived = Backend.DeriveKey(Session, mechanism, Generic(key), Derived(length: length)).Key;
        Assert.That(Read(derived, CKA.CKA_VALUE), Is.EqualTo(expected[..length]));
    }

    [Test]
    public void Derived_key_history_follows_the_base_key()
    {
        var mechanism = Counter(CKM.CKM_SHA256_HMAC, new PrfIterationVariable(false, 32));
        ulong guarded = Generic(RandomNumberGenerator.GetBytes(32), TemplateAttribute.Bool(CKA.CKA_SENSITIVE, true),
            TemplateAttribute.Bool(CKA.CKA_EXTRACTABLE, false));
        // A created key has never been "always sensitive", so neither is what comes from it (§6.42).
        ulong fromCreated = Backend.DeriveKey(Session, mechanism, guarded, new Template([TemplateAttribute.ULong(CKA.CKA_VALUE_LEN, 32)])).Key;
        Assert.That(ReadBool(fromCreated, CKA.CKA_LOCAL), Is.False);
        Assert.That(ReadULong(fromCreated, CKA.CKA_KEY_GEN_MECHANISM), Is.EqualTo(ulong.MaxValue), "CK_UNAVAILABLE_INFORMATION");
        Assert.That(ReadBool(fromCreated, CKA.CKA_SENSITIVE), Is.True, "CKA_SENSITIVE defaults to the base key's");
        Assert.That(ReadBool(fromCreated, CKA.CKA_EXTRACTABLE), Is.False, "CKA_EXTRACTABLE defaults to the base key's");
        Assert.That(ReadBool(fromCreated, CKA.CKA_ALWAYS_SENSITIVE), Is.False);
        Assert.That(ReadBool(fromCreated, CKA.CKA_NEVER_EXTRACTABLE), Is.False);

        ulong generated = Backend.GenerateKey(Session, new Mechanism(CKM.CKM_GENERIC_SECRET_KEY_GEN), new Template(
        [
            TemplateAttribute.ULong(CKA.CKA_VALUE_LEN, 32), TemplateAttribute.Bool(CKA.CKA_DERIVE, true),
            TemplateAttribute.Bool(CKA.CKA_SENSITIVE, true), TemplateAttribute.Bool(CKA.CKA_EXTRACTABLE, false),
        ]));
        ulong fromGenerated = Backend.DeriveKey(Session, mechanism, generated, new Template([TemplateAttribute.ULong(CKA.CKA_VALUE_LEN, 16)])).Key;
        Assert.That(ReadBool(fromGenerated, CKA.CKA_ALWAYS_SENSITIVE), Is.True);
        Assert.That(ReadBool(fromGenerated, CKA.CKA_NEVER_EXTRACTABLE), Is.True);
        ulong exposed = Backend.DeriveKey(Session, mechanism, generated, Derived(length: 16)).Key;
        Assert.That(ReadBool(exposed, CKA.CKA_ALWAYS_SENSITIVE), Is.False, "asked to be readable");
        Assert.That(ReadBool(exposed, CKA.CKA_NEVER_EXTRACTABLE), Is.False);
    }

    [Test]
    public void Derives_AES_and_HMAC_key_types()
    {
        var mechanism = Counter(CKM.CKM_SHA384_HMAC, new PrfIterationVariable(false, 16), new PrfByteArray([9]));
        ulong baseKey = Key(CKK.CKK_SHA384_HMAC, RandomNumberGenerator.GetBytes(48));
        foreach (ulong n in new ulong[] { 16, 24, 32 })
            Assert.That(Read(Backend.DeriveKey(Session, mechanism, baseKey, Derived(CKK.CKK_AES, n)).Key, CKA.CKA_VALUE), Has.Length.EqualTo((int)n));
        ulong hmacKey = Backend.DeriveKey(Session, mechanism, baseKey, Derived(CKK.CKK_SHA256_HMAC, 32)).Key;
        Assert.That(ReadULong(hmacKey, CKA.CKA_KEY_TYPE), Is.EqualTo((ulong)CKK.CKK_SHA256_HMAC));
        Assert.That(Rv(() => Backend.DeriveKey(Session, mechanism, baseKey, Derived(CKK.CKK_AES, 17))), Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID), "AES of 17 bytes");
        Assert.That(Rv(() => Backend.DeriveKey(Session, mechanism, baseKey, Derived(CKK.CKK_AES))), Is.EqualTo(CKR.CKR_TEMPLATE_INCOMPLETE), "no CKA_VALUE_LEN");
        Assert.That(Rv(() => Backend.DeriveKey(Session, mechanism, baseKey, Derived(length: 0))), Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID), "0 bytes");
        Assert.That(Rv(() => Backend.DeriveKey(Session, mechanism, baseKey, Derived(length: 32,
            extra: TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_DATA)))), Is.EqualTo(CKR.CKR_TEMPLATE_INCONSISTENT), "a data object");
    }

    public static IEnumerable<TestCaseData> BadParameters()
    {
        PrfIterationVariable i32 = new(false, 32);
        yield return Bad("no parameter", null);
        yield return Bad("a byte array parameter", new ByteArrayParameter([1]));
        yield return Bad("PRF CKM_SHA256 (a digest)", new Sp800108KdfParameter((ulong)CKM.CKM_SHA256, [i32], []));
        yield return Bad("PRF CKM_DES3_CMAC", new Sp800108KdfParameter((ulong)CKM.CKM_DES3_CMAC, [i32], []));
        yield return Bad("PRF wider than 32 bits", new Sp800108KdfParameter(1UL << 40 | (ulong)CKM.CKM_SHA256_HMAC, [i32], []));
        yield return Bad("no iteration variable", Param(new PrfByteArray([1])));
        yield return Bad("two iteration variables", Param(i32, i32));
        yield return Bad("a 12-bit counter", Param(new PrfIterationVariable(false, 12)));
        yield return Bad("a 64-bit counter", Param(new PrfIterationVariable(false, 64)));
        yield return Bad("a 0-bit counter", Param(new PrfIterationVariable(false, 0)));
        yield return Bad("two DKM lengths", Param(i32, new PrfDkmLength(1, false, 32), new PrfDkmLength(1, false, 32)));
        yield return Bad("DKM method 3", Param(i32, new PrfDkmLength(3, false, 32)));
        yield return Bad("a 4-bit DKM length", Param(i32, new PrfDkmLength(1, false, 4)));
        yield return Bad("a 72-bit DKM length", Param(i32, new PrfDkmLength(1, false, 72)));
        yield return Bad("an optional counter (feedback modes only)", Param(i32, new PrfUnsupportedData(2)));
        yield return Bad("a key handle", Param(i32, new PrfUnsupportedData(5)));
    }

    private static Sp800108KdfParameter Param(params PrfDataParameter[] data) => new((ulong)CKM.CKM_SHA256_HMAC, data, []);

    private static TestCaseData Bad(string name, MechanismParameter? parameter) => new TestCaseData(parameter).SetArgDisplayNames(name);

    [TestCaseSource(nameof(BadParameters))]
    public void Bad_parameter_is_CKR_MECHANISM_PARAM_INVALID(MechanismParameter? parameter)
    {
        ulong baseKey = Generic(RandomNumberGenerator.GetBytes(32));
        Assert.That(Rv(() => Backend.DeriveKey(Session, new Mechanism(CKM.CKM_SP800_108_COUNTER_KDF, parameter), baseKey, Derived(length: 16))),
            Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID));
    }

    [Test]
    public void Output_beyond_the_counter_or_the_length_field_is_CKR_KEY_SIZE_RANGE()
    {
        ulong baseKey = Generic(RandomNumberGenerator.GetBytes(20));
        var r8 = Counter(CKM.CKM_SHA_1_HMAC, new PrfIterationVariable(false, 8));
        Assert.That(Read(Backend.DeriveKey(Session, r8, baseKey, Derived(length: 255 * 20)).Key, CKA.CKA_VALUE), Has.Length.EqualTo(5100), "2^8 - 1 blocks");
        Assert.That(Rv(() => Backend.DeriveKey(Session, r8, baseKey, Derived(length: 255 * 20 + 1))), Is.EqualTo(CKR.CKR_KEY_SIZE_RANGE), "one byte more");
        var l8 = Counter(CKM.CKM_SHA_1_HMAC, new PrfIterationVariable(false, 8), new PrfDkmLength(PrfDkmLength.SumOfKeys, false, 8));
        Assert.That(Read(Backend.DeriveKey(Session, l8, baseKey, Derived(length: 31)).Key, CKA.CKA_VALUE), Has.Length.EqualTo(31), "248 bits fit in 8");
        Assert.That(Rv(() => Backend.DeriveKey(Session, l8, baseKey, Derived(length: 32))), Is.EqualTo(CKR.CKR_KEY_SIZE_RANGE), "256 bits do not");
    }

    [Test]
    public void Base_key_checks()
    {
        var hmac = Counter(CKM.CKM_SHA256_HMAC, new PrfIterationVariable(false, 32));
        var cmac = Counter(CKM.CKM_AES_CMAC, new PrfIterationVariable(false, 32));
        ulong aes = Key(CKK.CKK_AES, RandomNumberGenerator.GetBytes(16));
        ulong generic = Generic(RandomNumberGenerator.GetBytes(16));
        Assert.That(Rv(() => Backend.DeriveKey(Session, hmac, aes, Derived(length: 16))), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT), "AES key, HMAC PRF");
        Assert.That(Rv(() => Backend.DeriveKey(Session, cmac, generic, Derived(length: 16))), Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT), "generic key, CMAC PRF");
        Assert.That(Rv(() => Backend.DeriveKey(Session, hmac, Key(CKK.CKK_SHA512_HMAC, new byte[32]), Derived(length: 16))),
            Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT), "another hash's HMAC key");
        Assert.DoesNotThrow(() => Backend.DeriveKey(Session, hmac, Key(CKK.CKK_SHA256_HMAC, new byte[32]), Derived(length: 16)), "its own HMAC key type");
        ulong noDerive = Generic(RandomNumberGenerator.GetBytes(16), TemplateAttribute.Bool(CKA.CKA_DERIVE, false));
        Assert.That(Rv(() => Backend.DeriveKey(Session, hmac, noDerive, Derived(length: 16))), Is.EqualTo(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED));
        var info = Backend.GetMechanismInfo(SlotId, CKM.CKM_SP800_108_COUNTER_KDF);
        Assert.That((info.MinKeySize, info.MaxKeySize, info.Flags), Is.EqualTo((8UL, 4096UL, CKF.CKF_DERIVE)), "bits (§6.42)");
    }
}
