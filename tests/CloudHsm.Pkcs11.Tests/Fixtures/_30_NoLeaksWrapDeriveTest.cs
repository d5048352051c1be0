using System.Security.Cryptography;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using CloudHsm.Pkcs11.Tests.Mechanisms.Aes;
using CloudHsm.Pkcs11.Tests.Mechanisms.Mac;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.LowLevelAPI80;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// No leaks, key management side (issue 5 part 5): C_WrapKey and C_DeriveKey are the two functions that put a
/// key's material into something else, so each is checked with every mechanism the module registers for it (a
/// mechanism flagged CKF_WRAP or CKF_DERIVE that the tables below lack fails the coverage test):
/// <list type="bullet">
/// <item>§5.18 C_WrapKey: an unextractable key is CKR_KEY_UNEXTRACTABLE; a CKA_WRAP_WITH_TRUSTED key under a
/// wrapping key that is not CKA_TRUSTED is CKR_KEY_NOT_WRAPPABLE (§4.10, §4.11), and that attribute latches.
/// Under a trusted, wrap-only key the wrapped form of such a key must not give it away either: wrapping a key
/// the caller knows with the same mechanism parameters must not turn into a keystream (a repeated GCM IV).</item>
/// <item>C_DeriveKey from a sensitive base into CKA_SENSITIVE false / CKA_EXTRACTABLE true: HKDF (§6.62),
/// SP 800-108 (§6.42) and ECDH (§6.3) all say the template may ask for either value, so it is allowed — and then
/// the new key's CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE must be false, and its value must not contain the
/// base key's bytes. The mechanisms of §6.43 that copy the base key's value (concatenation, XOR with data,
/// extraction) force CKA_SENSITIVE on; they are either absent or do so.</item>
/// </list>
/// </summary>
public sealed class _30_NoLeaksWrapDeriveTest : RwUserSessionFixture
{
    // PKCS#11 3.0 and vendor values Pkcs11Interop 5.3 (2.40) has no names for.
    private const CKM CKM_AES_KEY_WRAP_KWP = (CKM)0x210B, CKM_AES_KEY_WRAP_PKCS7 = (CKM)0x210C;
    private const CKM CKM_CLOUDHSM_AES_GCM = (CKM)0x80001087, CKM_CLOUDHSM_AES_KEY_WRAP_NO_PAD = (CKM)0x80002109,
        CKM_CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD = (CKM)0x8000210A, CKM_CLOUDHSM_AES_KEY_WRAP_ZERO_PAD = (CKM)0x8000216F;
    private const CKM CKM_EC_MONTGOMERY_KEY_PAIR_GEN = (CKM)0x1056;
    private const ulong CKD_NULL = 1, CKD_SHA256_KDF = 6;

    // --- the wrapping mechanisms -----------------------------------------------------------------------

    /// <summary>A CKF_WRAP mechanism, whether it wraps under an AES key or an RSA public key, and a valid parameter.</summary>
    public sealed record WrapRow(CKM Mechanism, bool UnderRsa, Func<NativeMechanism> Parameter)
    {
        public override string ToString() => Names.Mechanism((ulong)Mechanism);
    }

    private static NativeMechanism Oaep(CKM type = CKM.CKM_RSA_PKCS_OAEP) =>
        // CK_RSA_PKCS_OAEP_PARAMS { hashAlg CKM_SHA256, mgf CKG_MGF1_SHA256, source CKZ_DATA_SPECIFIED, NULL, 0 }
        new NativeMechanism((ulong)type).WithFields((ulong)CKM.CKM_SHA256, 2, 1, 0, 0);

    private static NativeMechanism RsaAesKeyWrap()
    {
        // CK_RSA_AES_KEY_WRAP_PARAMS { ulAESKeyBits 256, pOAEPParams }
        var m = new NativeMechanism((ulong)CKM.CKM_RSA_AES_KEY_WRAP);
        IntPtr oaep = m.Pin([.. BitConverter.GetBytes((ulong)CKM.CKM_SHA256), .. BitConverter.GetBytes(2UL), .. BitConverter.GetBytes(1UL), .. new byte[16]]);
        return m.WithFields(256, (ulong)oaep);
    }

    public static readonly WrapRow[] WrapTable =
    [
        new(CKM.CKM_AES_CBC_PAD, false, () => AesCalls.WithIv(CKM.CKM_AES_CBC_PAD, TestData.Random(16))),
        new(CKM.CKM_AES_GCM, false, () => AesCalls.Gcm(TestData.Random(12), [], 128)),
        new(CKM_CLOUDHSM_AES_GCM, false, () => AesCalls.Gcm([], [], 128, type: CKM_CLOUDHSM_AES_GCM)),
        new(CKM.CKM_AES_KEY_WRAP, false, () => new NativeMechanism((ulong)CKM.CKM_AES_KEY_WRAP)),
        new(CKM.CKM_AES_KEY_WRAP_PAD, false, () => new NativeMechanism((ulong)CKM.CKM_AES_KEY_WRAP_PAD)),
        new(CKM_AES_KEY_WRAP_PKCS7, false, () => new NativeMechanism((ulong)CKM_AES_KEY_WRAP_PKCS7)),
        new(CKM_AES_KEY_WRAP_KWP, false, () => new NativeMechanism((ulong)CKM_AES_KEY_WRAP_KWP)),
        new(CKM_CLOUDHSM_AES_KEY_WRAP_NO_PAD, false, () => new NativeMechanism((ulong)CKM_CLOUDHSM_AES_KEY_WRAP_NO_PAD)),
        new(CKM_CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD, false, () => new NativeMechanism((ulong)CKM_CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD)),
        new(CKM_CLOUDHSM_AES_KEY_WRAP_ZERO_PAD, false, () => new NativeMechanism((ulong)CKM_CLOUDHSM_AES_KEY_WRAP_ZERO_PAD)),
        new(CKM.CKM_RSA_PKCS, true, () => new NativeMechanism((ulong)CKM.CKM_RSA_PKCS)),
        new(CKM.CKM_RSA_PKCS_OAEP, true, () => Oaep()),
        new(CKM.CKM_RSA_AES_KEY_WRAP, true, RsaAesKeyWrap),
    ];

    public static IEnumerable<WrapRow> WrapRows() => WrapTable;

    private static CKM[] MechanismsFlagged(ulong flag) =>
        _06_MechanismListTest.List(Module.MainSlot).Where(m =>
        {
            var info = new CK_MECHANISM_INFO();
            P11.Ok(Module.Low.C_GetMechanismInfo(Module.MainSlot, m, ref info), $"C_GetMechanismInfo({m})");
            return (info.Flags & flag) != 0;
        }).ToArray();

    [Test]
    public void Every_wrapping_mechanism_the_module_registers_is_in_the_table()
    {
        CKM[] wrapping = MechanismsFlagged(CKF.CKF_WRAP);
        Assert.That(wrapping, Is.Not.Empty, "the module wraps with something");
        Assert.That(wrapping.Where(m => WrapTable.All(r => r.Mechanism != m)).Select(m => Names.Mechanism((ulong)m)), Is.Empty,
            "CKF_WRAP mechanisms without a row in WrapTable: add one, so that the no-leak rules are checked for them too");
    }

    private ulong WrappingKey(WrapRow row, params Attr[] extra) => row.UnderRsa
        ? P11.Create(Session, [.. TestData.RsaPublicKey(P11.UniqueLabel("rsa-kek"), TestData.RsaKey).Where(a => extra.All(e => e.Type != a.Type)), .. extra])
        : KnownKeys.Aes().Import(Session, Concealment.Sensitive, [Attr.Bool(CKA.CKA_WRAP, true), Attr.Bool(CKA.CKA_UNWRAP, true), .. extra]);

    private CKR TryWrap(NativeMechanism m, ulong wrappingKey, ulong key, out byte[] wrapped)
    {
        wrapped = [];
        ulong len = 0;
        CKR rv = Module.Low.C_WrapKey(Session, ref m.Value, wrappingKey, key, null, ref len);
        if (rv != CKR.CKR_OK) return rv;
        var buffer = new byte[len];
        rv = Module.Low.C_WrapKey(Session, ref m.Value, wrappingKey, key, buffer, ref len);
        if (rv == CKR.CKR_OK) wrapped = buffer[..(int)len];
        return rv;
    }

    [TestCaseSource(nameof(WrapRows))]
    public void An_unextractable_key_is_CKR_KEY_UNEXTRACTABLE_and_an_extractable_one_wraps_to_ciphertext(WrapRow row)
    {
        ulong kek = WrappingKey(row);
        using var m = row.Parameter();

        // The control: the parameter is good and an extractable key does wrap — into something that is not the key.
        KnownKey control = KnownKeys.Aes(16);
        P11.Ok(TryWrap(m, kek, control.Import(Session, Concealment.Sensitive), out byte[] wrapped), $"C_WrapKey({row}) of an extractable AES-128 key");
        Assert.That(control.Scan().FindIn(wrapped), Is.Empty, $"{row}: the wrapped key holds no run of the key's bytes");

        foreach (KnownKey key in KnownKeys.All())
        {
            ulong pinned = key.Import(Session, Concealment.Unextractable);
            Assert.That(TryWrap(m, kek, pinned, out byte[] output), Is.EqualTo(CKR.CKR_KEY_UNEXTRACTABLE), $"C_WrapKey({row}) of an unextractable {key}");
            Assert.That(output, Is.Empty);
            ulong both = key.Import(Session, Concealment.Sensitive, Attr.Bool(CKA.CKA_EXTRACTABLE, false));
            Assert.That(TryWrap(m, kek, both, out _), Is.EqualTo(CKR.CKR_KEY_UNEXTRACTABLE), $"C_WrapKey({row}) of a sensitive, unextractable {key}");
        }
    }

    [TestCaseSource(nameof(WrapRows))]
    public void A_wrap_with_trusted_key_under_an_untrusted_key_is_CKR_KEY_NOT_WRAPPABLE(WrapRow row)
    {
        ulong kek = WrappingKey(row);
        using var m = row.Parameter();
        Assert.That(P11.GetBool(Session, kek, CKA.CKA_TRUSTED), Is.False, "the wrapping key is not trusted");
        foreach (KnownKey key in KnownKeys.All())
        {
            ulong h = key.Import(Session, Concealment.Sensitive, Attr.Bool(CKA.CKA_WRAP_WITH_TRUSTED, true));
            Assert.That(TryWrap(m, kek, h, out byte[] output), Is.EqualTo(CKR.CKR_KEY_NOT_WRAPPABLE), $"C_WrapKey({row}) of a CKA_WRAP_WITH_TRUSTED {key}");
            Assert.That(output, Is.Empty);
        }
    }

    [Test]
    public void CKA_WRAP_WITH_TRUSTED_latches_for_copies_and_changes()
    {
        foreach (KnownKey key in KnownKeys.All())
        {
            ulong h = key.Import(Session, Concealment.Sensitive, Attr.Bool(CKA.CKA_WRAP_WITH_TRUSTED, true));
            Assert.That(P11.TrySet(Session, h, Attr.Bool(CKA.CKA_WRAP_WITH_TRUSTED, false)), Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY), $"{key}: C_SetAttributeValue");
            Assert.That(P11.TryCopy(Session, h, out _, Attr.Bool(CKA.CKA_WRAP_WITH_TRUSTED, false)), Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY), $"{key}: C_CopyObject");
            Assert.That(P11.TrySet(Session, h, Attr.Bool(CKA.CKA_TRUSTED, true)), Is.AnyOf(CKR.CKR_ATTRIBUTE_READ_ONLY, CKR.CKR_TEMPLATE_INCONSISTENT),
                $"{key}: the user cannot make a key trusted");
        }
    }

    /// <summary>
    /// §5.18 lets C_UnwrapKey give the new key any CKA_SENSITIVE, so a key wrapped and unwrapped under one key comes
    /// back readable unless the unwrapping key's CKA_UNWRAP_TEMPLATE says otherwise (§4.10): with the template the
    /// unwrapped key is concealed and a template asking for a readable one is CKR_TEMPLATE_INCONSISTENT; without it
    /// the unwrapped key is readable but says it has not always been sensitive.
    /// </summary>
    [Test]
    public void Wrap_then_unwrap_as_readable_is_stopped_by_the_unwrapping_key_s_CKA_UNWRAP_TEMPLATE()
    {
        KnownKey key = KnownKeys.Aes();
        ulong h = key.Import(Session, Concealment.Sensitive);
        using var kwp = new NativeMechanism((ulong)CKM_AES_KEY_WRAP_KWP);
        Attr[] readable = [Attr.Class(CKO.CKO_SECRET_KEY), Attr.KeyType(CKK.CKK_AES), Attr.Token(false),
            Attr.Bool(CKA.CKA_SENSITIVE, false), Attr.Bool(CKA.CKA_EXTRACTABLE, true)];

        using var concealing = new NativeTemplate([Attr.Bool(CKA.CKA_SENSITIVE, true), Attr.Bool(CKA.CKA_EXTRACTABLE, false)]);
        ulong guardedKek = KnownKeys.Aes().Import(Session, Concealment.Sensitive,
            Attr.Bytes(CKA.CKA_UNWRAP_TEMPLATE, _29_NoLeaksTest.NestedTemplateBytes(concealing)));
        P11.Ok(TryWrap(kwp, guardedKek, h, out byte[] wrapped), "C_WrapKey");
        using (var t = new NativeTemplate(readable))
        {
            ulong unwrapped = 0;
            Assert.That(Module.Low.C_UnwrapKey(Session, ref kwp.Value, guardedKek, wrapped, (ulong)wrapped.Length, t.Attributes, t.Count, ref unwrapped),
                Is.EqualTo(CKR.CKR_TEMPLATE_INCONSISTENT), "unwrap as readable under a CKA_UNWRAP_TEMPLATE that conceals");
        }
        using (var t = new NativeTemplate(readable.Take(3).ToList()))
        {
            ulong unwrapped = 0;
            P11.Ok(Module.Low.C_UnwrapKey(Session, ref kwp.Value, guardedKek, wrapped, (ulong)wrapped.Length, t.Attributes, t.Count, ref unwrapped), "C_UnwrapKey");
            Assert.That(P11.TryGet(Session, unwrapped, CKA.CKA_VALUE, out _), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), "the unwrapped key is concealed");
        }

        ulong plainKek = KnownKeys.Aes().Import(Session, Concealment.Sensitive);
        P11.Ok(TryWrap(kwp, plainKek, h, out wrapped), "C_WrapKey");
        using (var t = new NativeTemplate(readable))
        {
            ulong unwrapped = 0;
            P11.Ok(Module.Low.C_UnwrapKey(Session, ref kwp.Value, plainKek, wrapped, (ulong)wrapped.Length, t.Attributes, t.Count, ref unwrapped),
                "C_UnwrapKey as readable without an unwrap template (§5.18 allows it)");
            Assert.That(P11.GetBool(Session, unwrapped, CKA.CKA_ALWAYS_SENSITIVE), Is.False, "it has not always been sensitive");
            Assert.That(P11.GetBool(Session, unwrapped, CKA.CKA_NEVER_EXTRACTABLE), Is.False);
        }
    }

    /// <summary>
    /// The wrapping key is trusted (the SO said so) and wrap-only (no CKA_ENCRYPT, CKA_DECRYPT, CKA_UNWRAP: the
    /// classic wrap-then-decrypt and wrap-then-unwrap-as-readable routes are closed by configuration). A user can
    /// still wrap a key of their own, whose value they know, under it; with every mechanism and one parameter
    /// for both wraps, the two outputs must not combine into the protected key (C1 ⊕ C2 ⊕ K1 = K2 is what a
    /// repeated GCM IV gives). A mechanism may refuse the protected key instead, with CKR_KEY_NOT_WRAPPABLE.
    /// </summary>
    [Test]
    public void Under_a_trusted_wrap_only_key_a_wrap_with_trusted_key_does_not_leak_through_a_wrap_of_a_known_key()
    {
        string aesLabel = P11.UniqueLabel("trusted-aes"), rsaLabel = P11.UniqueLabel("trusted-rsa");
        // Public token objects, so that the SO sees them to mark them trusted; usable for wrapping only.
        Attr[] wrapOnly = [Attr.Token(true), Attr.Private(false), Attr.Bool(CKA.CKA_ENCRYPT, false), Attr.Bool(CKA.CKA_WRAP, true)];
        ulong aesKek = KnownKeys.Aes().Import(Session, Concealment.Sensitive,
            [.. wrapOnly, Attr.Bool(CKA.CKA_DECRYPT, false), Attr.Bool(CKA.CKA_UNWRAP, false), Attr.Label(aesLabel)]);
        ulong rsaKek = P11.Create(Session, [.. TestData.RsaPublicKey(rsaLabel, TestData.RsaKey, token: true).Where(a => wrapOnly.All(w => w.Type != a.Type)), .. wrapOnly]);
        try
        {
            P11.Logout(Session);
            P11.LoginSo(Session);
            P11.Ok(P11.TrySet(Session, aesKek, Attr.Bool(CKA.CKA_TRUSTED, true)), "C_SetAttributeValue(CKA_TRUSTED) as SO (AES)");
            P11.Ok(P11.TrySet(Session, rsaKek, Attr.Bool(CKA.CKA_TRUSTED, true)), "C_SetAttributeValue(CKA_TRUSTED) as SO (RSA)");
            P11.Logout(Session);
            P11.LoginUser(Session);

            var wrappedSomething = new List<string>();
            foreach (WrapRow row in WrapTable)
            {
                ulong kek = row.UnderRsa ? rsaKek : aesKek;
                using var m = row.Parameter();
                KnownKey mine = KnownKeys.Aes(), theirs = KnownKeys.Aes();
                ulong known = mine.Import(Session, Concealment.Sensitive);
                ulong guarded = theirs.Import(Session, Concealment.Sensitive, Attr.Bool(CKA.CKA_WRAP_WITH_TRUSTED, true));
                P11.Ok(TryWrap(m, kek, known, out byte[] c1), $"C_WrapKey({row}) of the caller's own key");
                CKR rv = TryWrap(m, kek, guarded, out byte[] c2);
                if (rv == CKR.CKR_KEY_NOT_WRAPPABLE) continue;
                P11.Ok(rv, $"C_WrapKey({row}) of the CKA_WRAP_WITH_TRUSTED key under the trusted key");
                wrappedSomething.Add(row.ToString());
                Assert.That(theirs.Scan().FindIn(c2), Is.Empty, $"{row}: the wrapped key holds no run of the key's bytes");
                byte[] k1 = mine.Secrets[0].Value, k2 = theirs.Secrets[0].Value;
                for (int offset = 0; offset + k2.Length <= Math.Min(c1.Length, c2.Length); offset++)
                {
                    byte[] combined = Enumerable.Range(0, k2.Length).Select(i => (byte)(c1[offset + i] ^ c2[offset + i] ^ k1[i])).ToArray();
                    Assert.That(combined, Is.Not.EqualTo(k2),
                        $"{row}: wrapping a known key with the same parameter gives the CKA_WRAP_WITH_TRUSTED key away (C1 ⊕ C2 ⊕ K1 at offset {offset})");
                }
            }
            Assert.That(wrappedSomething, Does.Contain(Names.Mechanism((ulong)CKM_AES_KEY_WRAP_KWP)), "trusted wrapping works at all");
        }
        finally
        {
            if (P11.State(Session) != CKS.CKS_RW_USER_FUNCTIONS)
            {
                Module.Low.C_Logout(Session);
                P11.LoginUser(Session);
            }
            P11.Destroy(Session, aesKek);
            P11.Destroy(Session, rsaKek);
        }
    }

    // --- the derivation mechanisms ---------------------------------------------------------------------

    /// <summary>
    /// A CKF_DERIVE mechanism: the base key it takes (imported with known material, or generated so that it
    /// has always been sensitive and never extractable), its parameter for a base key handle, and the derived
    /// key's type and length.
    /// </summary>
    public sealed record DeriveRow(string Name, CKM Mechanism, Func<KnownKey> Base, Func<_30_NoLeaksWrapDeriveTest, bool, ulong> Generate,
        Func<_30_NoLeaksWrapDeriveTest, ulong, NativeMechanism> Parameter, CKK DerivedType, ulong DerivedLength)
    {
        public override string ToString() => Name;
    }

    private const ulong IterationVariable = 1, DkmLength = 3, ByteArray = 4, SumOfKeys = 1;

    private static byte[] Fields(params ulong[] fields) => fields.SelectMany(BitConverter.GetBytes).ToArray();

    /// <summary>CK_SP800_108_KDF_PARAMS: [i]32 || label || [L]32.</summary>
    private static NativeMechanism CounterKdf(CKM prf)
    {
        var m = new NativeMechanism((ulong)MacCalls.CKM_SP800_108_COUNTER_KDF);
        byte[] label = "no leaks"u8.ToArray();
        byte[] data = Fields(IterationVariable, (ulong)m.Pin(Fields(0, 32)), 16, ByteArray, (ulong)m.Pin(label), (ulong)label.Length,
            DkmLength, (ulong)m.Pin(Fields(SumOfKeys, 0, 32)), 24);
        return m.WithFields((ulong)prf, 3, (ulong)m.Pin(data), 0, 0);
    }

    /// <summary>CK_ECDH1_DERIVE_PARAMS { kdf, ulSharedDataLen, pSharedData, ulPublicDataLen, pPublicData }.</summary>
    private static NativeMechanism Ecdh(byte[] publicData, ulong kdf = CKD_NULL)
    {
        var m = new NativeMechanism((ulong)CKM.CKM_ECDH1_DERIVE);
        return m.WithFields(kdf, 0, 0, (ulong)publicData.Length, (ulong)m.Pin(publicData));
    }

    /// <summary>Another party's P-256 public point, uncompressed.</summary>
    private static byte[] PeerP256()
    {
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        ECParameters p = peer.ExportParameters(false);
        return [0x04, .. p.Q.X!, .. p.Q.Y!];
    }

    /// <summary>The base key's own public point: Z = x(d·Q) = x(d²·G) must not be d either.</summary>
    private static byte[] OwnP256() => [0x04, .. TestData.EcKey.Q.X!, .. TestData.EcKey.Q.Y!];

    /// <summary>X25519's base point u = 9, a valid peer key.</summary>
    private static readonly byte[] X25519BasePoint = [9, .. new byte[31]];

    public static readonly DeriveRow[] DeriveTable =
    [
        new("HKDF extract+expand", MacCalls.CKM_HKDF_DERIVE, () => KnownKeys.GenericSecret(), (t, ne) => t.GenerateSecret(CKM.CKM_GENERIC_SECRET_KEY_GEN, ne),
            (_, _) => MacCalls.Hkdf(true, true, CKM.CKM_SHA256, MacCalls.SaltData, TestData.Random(16), [1, 2, 3]), CKK.CKK_GENERIC_SECRET, 64),
        new("HKDF expand only", MacCalls.CKM_HKDF_DERIVE, () => KnownKeys.GenericSecret(), (t, ne) => t.GenerateSecret(CKM.CKM_GENERIC_SECRET_KEY_GEN, ne),
            (_, _) => MacCalls.Hkdf(false, true, CKM.CKM_SHA256, MacCalls.SaltNull, [], [4, 5, 6]), CKK.CKK_GENERIC_SECRET, 64),
        new("HKDF extract only", MacCalls.CKM_HKDF_DERIVE, () => KnownKeys.GenericSecret(), (t, ne) => t.GenerateSecret(CKM.CKM_GENERIC_SECRET_KEY_GEN, ne),
            (_, _) => MacCalls.Hkdf(true, false, CKM.CKM_SHA256, MacCalls.SaltNull, [], []), CKK.CKK_GENERIC_SECRET, 32),
        new("SP800-108 HMAC-SHA256", MacCalls.CKM_SP800_108_COUNTER_KDF, () => KnownKeys.GenericSecret(),
            (t, ne) => t.GenerateSecret(CKM.CKM_GENERIC_SECRET_KEY_GEN, ne), (_, _) => CounterKdf(CKM.CKM_SHA256_HMAC), CKK.CKK_GENERIC_SECRET, 96),
        new("SP800-108 AES-CMAC", MacCalls.CKM_SP800_108_COUNTER_KDF, () => KnownKeys.Aes(),
            (t, ne) => t.GenerateSecret(CKM.CKM_AES_KEY_GEN, ne), (_, _) => CounterKdf(CKM.CKM_AES_CMAC), CKK.CKK_AES, 32),
        new("ECDH P-256 CKD_NULL", CKM.CKM_ECDH1_DERIVE, KnownKeys.EcP256, (t, ne) => t.GenerateEcPrivate(CKM.CKM_EC_KEY_PAIR_GEN, TestData.P256Params, ne),
            (_, _) => Ecdh(PeerP256()), CKK.CKK_GENERIC_SECRET, 32),
        new("ECDH P-256 own public key", CKM.CKM_ECDH1_DERIVE, KnownKeys.EcP256, (t, ne) => t.GenerateEcPrivate(CKM.CKM_EC_KEY_PAIR_GEN, TestData.P256Params, ne),
            (_, _) => Ecdh(OwnP256()), CKK.CKK_GENERIC_SECRET, 32),
        new("ECDH P-256 CKD_SHA256_KDF", CKM.CKM_ECDH1_DERIVE, KnownKeys.EcP256, (t, ne) => t.GenerateEcPrivate(CKM.CKM_EC_KEY_PAIR_GEN, TestData.P256Params, ne),
            (_, _) => Ecdh(PeerP256(), CKD_SHA256_KDF), CKK.CKK_GENERIC_SECRET, 48),
        new("ECDH X25519", CKM.CKM_ECDH1_DERIVE, KnownKeys.X25519, (t, ne) => t.GenerateEcPrivate(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, TestData.Hex("06032B656E"), ne),
            (_, _) => Ecdh(X25519BasePoint), CKK.CKK_GENERIC_SECRET, 32),
    ];

    public static IEnumerable<DeriveRow> DeriveRows() => DeriveTable;

    /// <summary>§6.43: the derived key's value is (part of) the base key's, so a sensitive base must give a sensitive key.</summary>
    private static readonly CKM[] CopyingMechanisms =
    [
        CKM.CKM_CONCATENATE_BASE_AND_KEY, CKM.CKM_CONCATENATE_BASE_AND_DATA, CKM.CKM_CONCATENATE_DATA_AND_BASE,
        CKM.CKM_XOR_BASE_AND_DATA, CKM.CKM_EXTRACT_KEY_FROM_KEY,
    ];

    [Test]
    public void Every_derive_mechanism_the_module_registers_is_in_the_table()
    {
        CKM[] deriving = MechanismsFlagged(CKF.CKF_DERIVE);
        Assert.That(deriving.Where(m => DeriveTable.All(r => r.Mechanism != m) && !CopyingMechanisms.Contains(m)).Select(m => Names.Mechanism((ulong)m)),
            Is.Empty, "CKF_DERIVE mechanisms without a row in DeriveTable: add one, so that the no-leak rules are checked for them too");
    }

    private static Attr[] DerivedTemplate(DeriveRow row, bool? sensitive, bool? extractable)
    {
        var t = new List<Attr> { Attr.Class(CKO.CKO_SECRET_KEY), Attr.KeyType(row.DerivedType), Attr.Token(false), Attr.ULong(CKA.CKA_VALUE_LEN, row.DerivedLength) };
        if (sensitive is bool s) t.Add(Attr.Bool(CKA.CKA_SENSITIVE, s));
        if (extractable is bool e) t.Add(Attr.Bool(CKA.CKA_EXTRACTABLE, e));
        return [.. t];
    }

    private ulong Derive(DeriveRow row, ulong baseKey, params Attr[] template)
    {
        using var m = row.Parameter(this, baseKey);
        var (rv, key) = MacCalls.TryDerive(Session, m, baseKey, template);
        P11.Ok(rv, $"C_DeriveKey({row}, {string.Join(", ", template)})");
        return key;
    }

    [TestCaseSource(nameof(DeriveRows))]
    public void From_a_sensitive_base_a_readable_key_may_be_derived_but_it_is_not_always_sensitive_and_holds_no_base_bytes(DeriveRow row)
    {
        foreach (Concealment how in new[] { Concealment.Sensitive, Concealment.Unextractable })
        {
            KnownKey known = row.Base();
            ulong baseKey = known.Import(Session, how, Attr.Bool(CKA.CKA_DERIVE, true));
            ulong derived = Derive(row, baseKey, DerivedTemplate(row, sensitive: false, extractable: true));
            byte[] value = P11.Get(Session, derived, CKA.CKA_VALUE);
            Assert.That(value, Has.Length.EqualTo((int)row.DerivedLength), $"{row}: the readable key's value");
            Assert.That(known.Scan().FindIn(value), Is.Empty, $"{row}: the derived value contains no run of the base key's material");
            Assert.That(P11.GetBool(Session, derived, CKA.CKA_ALWAYS_SENSITIVE), Is.False, $"{row}: CKA_ALWAYS_SENSITIVE");
            Assert.That(P11.GetBool(Session, derived, CKA.CKA_NEVER_EXTRACTABLE), Is.False, $"{row}: CKA_NEVER_EXTRACTABLE");
            foreach (var (type, _) in known.Secrets)
                Assert.That(P11.TryGet(Session, baseKey, type, out _), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), $"{row}: the base key is still concealed");

            // A key imported from outside has no history to pass on.
            ulong guarded = Derive(row, baseKey, DerivedTemplate(row, sensitive: true, extractable: false));
            Assert.That(P11.GetBool(Session, guarded, CKA.CKA_ALWAYS_SENSITIVE), Is.False, $"{row}: CKA_ALWAYS_SENSITIVE from an imported base");
            Assert.That(P11.GetBool(Session, guarded, CKA.CKA_NEVER_EXTRACTABLE), Is.False, $"{row}: CKA_NEVER_EXTRACTABLE from an imported base");
        }
    }

    [TestCaseSource(nameof(DeriveRows))]
    public void From_an_always_sensitive_never_extractable_base_the_history_follows_the_derived_key_s_own_attributes(DeriveRow row)
    {
        ulong baseKey = row.Generate(this, true);
        Assert.That((P11.GetBool(Session, baseKey, CKA.CKA_ALWAYS_SENSITIVE), P11.GetBool(Session, baseKey, CKA.CKA_NEVER_EXTRACTABLE)), Is.EqualTo((true, true)),
            "the generated base key's history");

        ulong readable = Derive(row, baseKey, DerivedTemplate(row, sensitive: false, extractable: true));
        Assert.That(P11.Get(Session, readable, CKA.CKA_VALUE), Has.Length.EqualTo((int)row.DerivedLength), $"{row}: the readable key");
        Assert.That((P11.GetBool(Session, readable, CKA.CKA_ALWAYS_SENSITIVE), P11.GetBool(Session, readable, CKA.CKA_NEVER_EXTRACTABLE)), Is.EqualTo((false, false)),
            $"{row}: CKA_ALWAYS_SENSITIVE / CKA_NEVER_EXTRACTABLE of a key derived readable");

        ulong guarded = Derive(row, baseKey, DerivedTemplate(row, sensitive: true, extractable: false));
        Assert.That((P11.GetBool(Session, guarded, CKA.CKA_ALWAYS_SENSITIVE), P11.GetBool(Session, guarded, CKA.CKA_NEVER_EXTRACTABLE)), Is.EqualTo((true, true)),
            $"{row}: CKA_ALWAYS_SENSITIVE / CKA_NEVER_EXTRACTABLE of a key derived sensitive and unextractable");

        ulong sensitiveOnly = Derive(row, baseKey, DerivedTemplate(row, sensitive: true, extractable: true));
        Assert.That((P11.GetBool(Session, sensitiveOnly, CKA.CKA_ALWAYS_SENSITIVE), P11.GetBool(Session, sensitiveOnly, CKA.CKA_NEVER_EXTRACTABLE)), Is.EqualTo((true, false)),
            $"{row}: a sensitive but extractable derived key");

        // Neither given: the token's default is the base key's values (§6.42 says so; HKDF and ECDH leave it to the token).
        ulong defaulted = Derive(row, baseKey, DerivedTemplate(row, sensitive: null, extractable: null));
        Assert.That(P11.TryGet(Session, defaulted, CKA.CKA_VALUE, out _), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), $"{row}: a key derived with the defaults");
        Assert.That((P11.GetBool(Session, defaulted, CKA.CKA_SENSITIVE), P11.GetBool(Session, defaulted, CKA.CKA_EXTRACTABLE)), Is.EqualTo((true, false)),
            $"{row}: the defaults are the base key's");
    }

    [TestCaseSource(nameof(DeriveRows))]
    public void The_base_key_s_CKA_DERIVE_TEMPLATE_keeps_derived_keys_concealed(DeriveRow row)
    {
        using var required = new NativeTemplate([Attr.Bool(CKA.CKA_SENSITIVE, true), Attr.Bool(CKA.CKA_EXTRACTABLE, false)]);
        ulong baseKey = row.Base().Import(Session, Concealment.Sensitive, Attr.Bool(CKA.CKA_DERIVE, true),
            Attr.Bytes(_29_NoLeaksTest.CKA_DERIVE_TEMPLATE, _29_NoLeaksTest.NestedTemplateBytes(required)));
        using (var m = row.Parameter(this, baseKey))
            Assert.That(MacCalls.TryDerive(Session, m, baseKey, DerivedTemplate(row, sensitive: false, extractable: true)).Rv, Is.EqualTo(CKR.CKR_TEMPLATE_INCONSISTENT),
                $"{row}: a template that contradicts CKA_DERIVE_TEMPLATE");
        ulong derived = Derive(row, baseKey, DerivedTemplate(row, sensitive: null, extractable: null));
        Assert.That(P11.TryGet(Session, derived, CKA.CKA_VALUE, out _), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), $"{row}: the derived key");
    }

    [TestCaseSource(nameof(CopyingMechanisms))]
    public void A_mechanism_that_copies_the_base_key_s_value_does_not_let_a_sensitive_base_out(CKM mechanism)
    {
        KnownKey known = KnownKeys.GenericSecret(32);
        ulong baseKey = known.Import(Session, Concealment.Sensitive, Attr.Bool(CKA.CKA_DERIVE, true));
        ulong other = KnownKeys.GenericSecret(16).Import(Session, Concealment.Sensitive, Attr.Bool(CKA.CKA_DERIVE, true));
        using var m = new NativeMechanism((ulong)mechanism);
        if (mechanism == CKM.CKM_CONCATENATE_BASE_AND_KEY) m.WithFields(other);
        else if (mechanism == CKM.CKM_EXTRACT_KEY_FROM_KEY) m.WithFields(8);
        else m.WithFields((ulong)m.Pin(new byte[32]), 32); // CK_KEY_DERIVATION_STRING_DATA { pData, ulLen }: zeros, so XOR copies the key
        Attr[] readable = [Attr.Class(CKO.CKO_SECRET_KEY), Attr.KeyType(CKK.CKK_GENERIC_SECRET), Attr.Token(false),
            Attr.Bool(CKA.CKA_SENSITIVE, false), Attr.Bool(CKA.CKA_EXTRACTABLE, true), Attr.ULong(CKA.CKA_VALUE_LEN, 16)];
        var (rv, derived) = MacCalls.TryDerive(Session, m, baseKey, readable);
        if (!_06_MechanismListTest.List(Module.MainSlot).Contains(mechanism))
        {
            Assert.That(rv, Is.EqualTo(CKR.CKR_MECHANISM_INVALID), $"{mechanism} is not offered, so C_DeriveKey refuses it");
            return;
        }
        // §6.43: "If the base key has its CKA_SENSITIVE attribute set to CK_TRUE, so does the derived key"; for
        // extraction, "the derived key must also be sensitive for the derivation to succeed".
        if (rv == CKR.CKR_OK)
            Assert.That(P11.TryGet(Session, derived, CKA.CKA_VALUE, out byte[] value), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE),
                $"{mechanism}: the derived key, whose value is the base key's, is sensitive");
        else
            Assert.That(rv, Is.AnyOf(CKR.CKR_TEMPLATE_INCONSISTENT, CKR.CKR_ATTRIBUTE_VALUE_INVALID), $"{mechanism} refuses a readable key");
    }

    // --- base keys made on the token -------------------------------------------------------------------

    /// <summary>A secret key generated sensitive and, when <paramref name="neverExtractable"/>, unextractable.</summary>
    private ulong GenerateSecret(CKM mechanism, bool neverExtractable)
    {
        using var m = new NativeMechanism((ulong)mechanism);
        using var t = new NativeTemplate([Attr.Token(false), Attr.Bool(CKA.CKA_SENSITIVE, true), Attr.Bool(CKA.CKA_EXTRACTABLE, !neverExtractable),
            Attr.Bool(CKA.CKA_DERIVE, true), Attr.ULong(CKA.CKA_VALUE_LEN, 32)]);
        ulong key = 0;
        P11.Ok(Module.Low.C_GenerateKey(Session, ref m.Value, t.Attributes, t.Count, ref key), $"C_GenerateKey({mechanism})");
        return key;
    }

    private ulong GenerateEcPrivate(CKM mechanism, byte[] ecParams, bool neverExtractable)
    {
        using var m = new NativeMechanism((ulong)mechanism);
        using var pub = new NativeTemplate([Attr.Token(false), Attr.Bytes(CKA.CKA_EC_PARAMS, ecParams)]);
        using var priv = new NativeTemplate([Attr.Token(false), Attr.Private(true), Attr.Bool(CKA.CKA_SENSITIVE, true),
            Attr.Bool(CKA.CKA_EXTRACTABLE, !neverExtractable), Attr.Bool(CKA.CKA_DERIVE, true)]);
        ulong publicKey = 0, privateKey = 0;
        P11.Ok(Module.Low.C_GenerateKeyPair(Session, ref m.Value, pub.Attributes, pub.Count, priv.Attributes, priv.Count, ref publicKey, ref privateKey),
            $"C_GenerateKeyPair({Names.Mechanism((ulong)mechanism)})");
        return privateKey;
    }
}
