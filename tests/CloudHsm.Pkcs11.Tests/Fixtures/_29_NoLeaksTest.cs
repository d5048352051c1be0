using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.LowLevelAPI80;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// No leaks, objects side (issue 5 part 5): the key material of a sensitive or unextractable key (footnote 7 of
/// the attribute tables: "cannot be revealed if object has its CKA_SENSITIVE attribute set to CK_TRUE or its
/// CKA_EXTRACTABLE attribute set to CK_FALSE") comes out of no object function. Every key type with material is
/// imported with values the test knows, so what does come out can be searched for them (<see cref="SecretScan"/>):
/// C_GetAttributeValue of each secret attribute alone, with others and of every attribute there is; C_FindObjects
/// (no matching oracle); C_CopyObject and C_SetAttributeValue (§4.1.2/§4.1.3, footnotes 11 and 12: SENSITIVE and
/// EXTRACTABLE latch, CKR_ATTRIBUTE_READ_ONLY); C_DigestKey (a digest only); encryption under the key itself;
/// C_GetOperationState; nested templates. Wrapping and derivation are <see cref="_30_NoLeaksWrapDeriveTest"/>.
/// </summary>
public sealed class _29_NoLeaksTest : RwUserSessionFixture
{
    /// <summary>CKA_DERIVE_TEMPLATE (PKCS#11 3.0): not in Pkcs11Interop's 2.40 enum.</summary>
    public const CKA CKA_DERIVE_TEMPLATE = (CKA)0x40000213;

    private const byte Sentinel = 0xA5;

    public static IEnumerable<TestCaseData> Cases() =>
        from key in KnownKeys.All()
        from how in new[] { Concealment.Sensitive, Concealment.Unextractable }
        select new TestCaseData(key, how).SetArgDisplayNames(key.Name, how.ToString());

    // --- C_GetAttributeValue ---------------------------------------------------------------------------

    [TestCaseSource(nameof(Cases))]
    public void Each_secret_attribute_is_CKR_ATTRIBUTE_SENSITIVE_with_CK_UNAVAILABLE_INFORMATION(KnownKey key, Concealment how)
    {
        ulong h = key.Import(Session, how);
        foreach (var (type, value) in key.Secrets)
        {
            // The length query (pValue NULL) and a buffer more than large enough: neither gets a length or a byte.
            var (rv, entries, buffers) = Read(h, (type, 0));
            Assert.That(rv, Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), $"{key} {how}: C_GetAttributeValue({type}, pValue NULL)");
            Assert.That(entries[0].valueLen, Is.EqualTo(Ck.UnavailableInformation), $"{type}: ulValueLen after the length query");

            (rv, entries, buffers) = Read(h, (type, 2 * value.Length + 64));
            Assert.That(rv, Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), $"{key} {how}: C_GetAttributeValue({type}) with a buffer");
            Assert.That(entries[0].valueLen, Is.EqualTo(Ck.UnavailableInformation), $"{type}: ulValueLen");
            Assert.That(buffers[0].All(b => b == Sentinel), Is.True, $"{type}: not one byte was written to the caller's buffer");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void Secrets_asked_together_with_other_attributes_stay_withheld_while_the_others_are_answered(KnownKey key, Concealment how)
    {
        string label = P11.UniqueLabel(key.Name);
        ulong h = P11.Create(Session, key.Template(label, how));
        var wanted = new List<(CKA, int)> { (CKA.CKA_CLASS, 8), (CKA.CKA_LABEL, 256) };
        foreach (var (type, value) in key.Secrets)
            wanted.AddRange([(type, value.Length + 16), (CKA.CKA_KEY_TYPE, 8)]);
        wanted.AddRange([(CKA.CKA_SENSITIVE, 1), (CKA.CKA_EXTRACTABLE, 1), (CKA.CKA_ALWAYS_SENSITIVE, 1), (CKA.CKA_NEVER_EXTRACTABLE, 1)]);
        foreach (bool lengthsOnly in new[] { true, false })
        {
            var (rv, entries, buffers) = Read(h, wanted.Select(w => (w.Item1, lengthsOnly && w.Item1 == CKA.CKA_LABEL ? 0 : w.Item2)).ToArray());
            Assert.That(rv, Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), $"{key} {how}: the call's result");
            for (int i = 0; i < wanted.Count; i++)
            {
                CKA type = wanted[i].Item1;
                if (key.Secrets.Any(s => s.Type == type))
                {
                    Assert.That(entries[i].valueLen, Is.EqualTo(Ck.UnavailableInformation), $"{type} at position {i}");
                    Assert.That(buffers[i].All(b => b == Sentinel), Is.True, $"{type} at position {i}: buffer untouched");
                }
                else
                {
                    Assert.That(entries[i].valueLen, Is.Not.EqualTo(Ck.UnavailableInformation), $"{type} at position {i} is answered");
                }
            }
            if (lengthsOnly) continue;
            Assert.That(BitConverter.ToUInt64(buffers[0]), Is.EqualTo((ulong)key.Class), "CKA_CLASS");
            Assert.That(Encoding.UTF8.GetString(buffers[1], 0, (int)entries[1].valueLen), Is.EqualTo(label), "CKA_LABEL");
            int sensitive = wanted.FindIndex(w => w.Item1 == CKA.CKA_SENSITIVE);
            Assert.That((buffers[sensitive][0], buffers[sensitive + 1][0]), Is.EqualTo(how == Concealment.Sensitive ? ((byte)1, (byte)1) : ((byte)0, (byte)0)),
                "CKA_SENSITIVE, CKA_EXTRACTABLE");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void No_attribute_of_a_concealed_key_holds_its_key_material_and_only_the_material_is_withheld(KnownKey key, Concealment how)
    {
        ulong h = key.Import(Session, how);
        SecretScan scan = key.Scan();
        var withheld = new List<ulong>();
        foreach (ulong type in EveryAttributeType())
        {
            CKR rv = P11.TryGet(Session, h, type, out byte[] value);
            if (rv == CKR.CKR_ATTRIBUTE_SENSITIVE) withheld.Add(type);
            else if (rv == CKR.CKR_OK)
                Assert.That(scan.FindIn(value), Is.Empty, $"{key} {how}: {Names.Attribute(type)} holds key material");
            else
                Assert.That(rv, Is.EqualTo(CKR.CKR_ATTRIBUTE_TYPE_INVALID), $"{Names.Attribute(type)}");
        }
        Assert.That(withheld.Select(Names.Attribute), Is.EquivalentTo(key.Secrets.Select(s => Names.Attribute((ulong)s.Type))),
            $"{key} {how}: the attributes answering CKR_ATTRIBUTE_SENSITIVE are exactly those that carry key material");
        var size = 0UL;
        P11.Ok(Module.Low.C_GetObjectSize(Session, h, ref size), "C_GetObjectSize");
    }

    [TestCaseSource(nameof(Cases))]
    public void Searching_by_the_key_material_finds_nothing(KnownKey key, Concealment how)
    {
        string label = P11.UniqueLabel(key.Name);
        ulong h = P11.Create(Session, key.Template(label, how));
        Assert.That(P11.Find(Session, Attr.Label(label)), Is.EqualTo(new[] { h }), "found by its label");
        foreach (var (type, value) in key.Secrets)
            Assert.That(P11.Find(Session, Attr.Label(label), Attr.Bytes(type, value)), Is.Empty,
                $"{key} {how}: C_FindObjects with the right {type} must not match (it would be a guessing oracle)");
    }

    // --- C_CopyObject and C_SetAttributeValue ----------------------------------------------------------

    [TestCaseSource(nameof(Cases))]
    public void A_copy_cannot_turn_SENSITIVE_off_or_EXTRACTABLE_on_and_stays_concealed(KnownKey key, Concealment how)
    {
        ulong h = key.Import(Session, how);
        Attr reveal = how == Concealment.Sensitive ? Attr.Bool(CKA.CKA_SENSITIVE, false) : Attr.Bool(CKA.CKA_EXTRACTABLE, true);
        Attr[][] refused =
        [
            [reveal],
            [Attr.Label("copy"), reveal, Attr.Token(false)],
            [Attr.Bool(CKA.CKA_SENSITIVE, false), Attr.Bool(CKA.CKA_EXTRACTABLE, true)],
            [Attr.Bytes(key.Secrets[0].Type, key.Secrets[0].Value)],
            [Attr.KeyType(key.KeyType == CKK.CKK_GENERIC_SECRET ? CKK.CKK_AES : CKK.CKK_GENERIC_SECRET)],
            [Attr.Class(key.IsSecretKey ? CKO.CKO_DATA : CKO.CKO_SECRET_KEY)],
        ];
        foreach (Attr[] template in refused)
        {
            Assert.That(P11.TryCopy(Session, h, out ulong copy, template), Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY),
                $"{key} {how}: C_CopyObject({string.Join(", ", template)})");
            Assert.That(copy, Is.Zero, "no object was made");
        }

        P11.Ok(P11.TryCopy(Session, h, out ulong allowed, Attr.Label("copy"), Attr.Private(true)), "C_CopyObject(CKA_LABEL)");
        AssertConcealed(key, allowed, "the copy");
        foreach (CKA history in new[] { CKA.CKA_ALWAYS_SENSITIVE, CKA.CKA_NEVER_EXTRACTABLE })
            Assert.That(P11.GetBool(Session, allowed, history), Is.EqualTo(P11.GetBool(Session, h, history)), $"the copy keeps {history}");
    }

    [TestCaseSource(nameof(Cases))]
    public void C_SetAttributeValue_cannot_reveal_the_key_material(KnownKey key, Concealment how)
    {
        ulong h = key.Import(Session, how);
        Attr reveal = how == Concealment.Sensitive ? Attr.Bool(CKA.CKA_SENSITIVE, false) : Attr.Bool(CKA.CKA_EXTRACTABLE, true);
        Attr[][] refused =
        [
            [reveal],
            [Attr.Label("relabel"), reveal],
            [Attr.Bytes(key.Secrets[0].Type, key.Secrets[0].Value)],
            [Attr.KeyType(key.KeyType == CKK.CKK_GENERIC_SECRET ? CKK.CKK_AES : CKK.CKK_GENERIC_SECRET)],
        ];
        foreach (Attr[] template in refused)
            Assert.That(P11.TrySet(Session, h, template), Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY),
                $"{key} {how}: C_SetAttributeValue({string.Join(", ", template)})");
        Assert.That(P11.GetString(Session, h, CKA.CKA_LABEL), Does.Not.EqualTo("relabel"), "a refused template changes nothing (all or nothing)");

        // Hiding more is allowed, and then that cannot be undone either.
        P11.Ok(P11.TrySet(Session, h, Attr.Bool(CKA.CKA_SENSITIVE, true), Attr.Bool(CKA.CKA_EXTRACTABLE, false)), "C_SetAttributeValue(conceal both ways)");
        Assert.That(P11.TrySet(Session, h, Attr.Bool(CKA.CKA_SENSITIVE, false)), Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY), "CKA_SENSITIVE back to FALSE");
        Assert.That(P11.TrySet(Session, h, Attr.Bool(CKA.CKA_EXTRACTABLE, true)), Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY), "CKA_EXTRACTABLE back to TRUE");
        AssertConcealed(key, h, "the key after the attempts");
    }

    // --- functions that use the key's value ------------------------------------------------------------

    [TestCaseSource(nameof(Cases))]
    public void C_DigestKey_gives_a_digest_and_nothing_else(KnownKey key, Concealment how)
    {
        ulong h = key.Import(Session, how);
        P11.Ok(P11.DigestInit(Session, CKM.CKM_SHA256), "C_DigestInit(CKM_SHA256)");
        if (!key.IsSecretKey)
        {
            // §5.12: only secret keys are digested.
            Assert.That(Module.Low.C_DigestKey(Session, h), Is.EqualTo(CKR.CKR_KEY_INDIGESTIBLE), $"C_DigestKey({key})");
            return;
        }
        byte[] prefix = TestData.Random(5), value = key.Secrets[0].Value;
        P11.Ok(Module.Low.C_DigestUpdate(Session, prefix, (ulong)prefix.Length), "C_DigestUpdate");
        P11.Ok(Module.Low.C_DigestKey(Session, h), "C_DigestKey");
        Assert.That(OperationState(), Is.EqualTo(CKR.CKR_STATE_UNSAVEABLE),
            "the digest state, which now depends on the key, cannot be saved (no C_GetOperationState bytes)");
        var digest = new byte[64];
        ulong len = (ulong)digest.Length;
        P11.Ok(Module.Low.C_DigestFinal(Session, digest, ref len), "C_DigestFinal");
        Assert.That(digest[..(int)len], Is.EqualTo(SHA256.HashData([.. prefix, .. value])), "SHA-256(prefix || CKA_VALUE), 32 bytes");
        Assert.That(key.Scan().FindIn(digest), Is.Empty);
    }

    [Test]
    public void Encrypting_a_key_s_own_value_under_it_gives_ciphertext_and_the_operation_state_is_unsaveable()
    {
        KnownKey key = KnownKeys.Aes();
        byte[] value = key.Secrets[0].Value;
        ulong h = key.Import(Session, Concealment.Sensitive);
        using var ecb = new NativeMechanism((ulong)CKM.CKM_AES_ECB);
        P11.Ok(Module.Low.C_EncryptInit(Session, ref ecb.Value, h), "C_EncryptInit(CKM_AES_ECB)");
        Assert.That(OperationState(), Is.EqualTo(CKR.CKR_STATE_UNSAVEABLE), "C_GetOperationState with an encryption under the key active");
        var output = new byte[64];
        ulong len = (ulong)output.Length;
        P11.Ok(Module.Low.C_Encrypt(Session, value, (ulong)value.Length, output, ref len), "C_Encrypt(own value)");
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = value;
        Assert.That(output[..(int)len], Is.EqualTo(aes.EncryptEcb(value, PaddingMode.None)), "AES-ECB_K(K): ciphertext");
        Assert.That(key.Scan().FindIn(output.AsSpan(0, (int)len)), Is.Empty, "and not the key");

        KnownKey mac = KnownKeys.GenericSecret();
        ulong macKey = mac.Import(Session, Concealment.Sensitive);
        using var hmac = new NativeMechanism((ulong)CKM.CKM_SHA256_HMAC);
        P11.Ok(Module.Low.C_SignInit(Session, ref hmac.Value, macKey), "C_SignInit(CKM_SHA256_HMAC)");
        Assert.That(OperationState(), Is.EqualTo(CKR.CKR_STATE_UNSAVEABLE), "C_GetOperationState with an HMAC under a sensitive key active");
    }

    // --- nested templates ------------------------------------------------------------------------------

    [Test]
    public void Nested_templates_of_a_sensitive_key_read_back_in_three_calls_while_its_value_stays_withheld()
    {
        KnownKey key = KnownKeys.Aes();
        using var wrapTemplate = new NativeTemplate([Attr.Bool(CKA.CKA_WRAP_WITH_TRUSTED, true)]);
        using var unwrapTemplate = new NativeTemplate([Attr.Bool(CKA.CKA_SENSITIVE, true), Attr.Bool(CKA.CKA_EXTRACTABLE, false)]);
        using var deriveTemplate = new NativeTemplate([Attr.Bool(CKA.CKA_SENSITIVE, true), Attr.ULong(CKA.CKA_VALUE_LEN, 32)]);
        ulong h = key.Import(Session, Concealment.Sensitive,
            Attr.Bytes(CKA.CKA_WRAP_TEMPLATE, NestedTemplateBytes(wrapTemplate)),
            Attr.Bytes(CKA.CKA_UNWRAP_TEMPLATE, NestedTemplateBytes(unwrapTemplate)),
            Attr.Bytes(CKA_DERIVE_TEMPLATE, NestedTemplateBytes(deriveTemplate)));

        foreach (var (type, expected) in new[] { (CKA.CKA_WRAP_TEMPLATE, wrapTemplate), (CKA.CKA_UNWRAP_TEMPLATE, unwrapTemplate), (CKA_DERIVE_TEMPLATE, deriveTemplate) })
        {
            var (rv, nested) = ReadNested(h, type, alsoAskForValue: true);
            Assert.That(rv, Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), $"{type} together with CKA_VALUE");
            Assert.That(nested.Select(n => (n.Type, Convert.ToHexString(n.Value))),
                Is.EqualTo(expected.Attributes.Select(a => (a.type, Convert.ToHexString(ValueBytes(a))))),
                $"{type}: the nested attributes come back as given");
            Assert.That(nested.SelectMany(n => key.Scan().FindIn(n.Value)), Is.Empty, $"{type} holds no key material");
            Assert.That(ReadNested(h, type, alsoAskForValue: false).Rv, Is.EqualTo(CKR.CKR_OK), $"{type} alone");
        }
        AssertConcealed(key, h, "the key");
    }

    // --- helpers ---------------------------------------------------------------------------------------

    private void AssertConcealed(KnownKey key, ulong h, string what)
    {
        foreach (var (type, _) in key.Secrets)
            Assert.That(P11.TryGet(Session, h, type, out _), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), $"{key}: {what}'s {type}");
    }

    /// <summary>C_GetOperationState, length query then (if it answered) the state itself; no state may come out.</summary>
    private CKR OperationState()
    {
        ulong len = 0;
        CKR rv = Module.Low.C_GetOperationState(Session, null, ref len);
        if (rv != CKR.CKR_OK) return rv;
        var state = new byte[len];
        rv = Module.Low.C_GetOperationState(Session, state, ref len);
        return rv == CKR.CKR_OK ? CKR.CKR_GENERAL_ERROR : rv; // any saved state is a failure of these tests
    }

    /// <summary>Every attribute type a caller could ask for: Pkcs11Interop's (2.40) list and the 3.0 ones this token has.</summary>
    public static IEnumerable<ulong> EveryAttributeType() =>
        Enum.GetValues<CKA>().Select(a => (ulong)a).Concat([(ulong)Ck.CKA_UNIQUE_ID, (ulong)CKA_DERIVE_TEMPLATE]).Distinct();

    /// <summary>One C_GetAttributeValue with a buffer of the given size per attribute (0: pValue NULL), the
    /// buffers filled with <see cref="Sentinel"/> beforehand; returns the entries and every buffer's bytes after.</summary>
    private (CKR Rv, CK_ATTRIBUTE[] Entries, byte[][] Buffers) Read(ulong h, params (CKA Type, int Length)[] wanted)
    {
        using var t = new NativeTemplate(wanted.Select(w => new Attr((ulong)w.Type, Enumerable.Repeat(Sentinel, w.Length).ToArray())).ToList());
        CKR rv = Module.Low.C_GetAttributeValue(Session, h, t.Attributes, t.Count);
        var buffers = new byte[wanted.Length][];
        for (int i = 0; i < wanted.Length; i++)
        {
            buffers[i] = new byte[wanted[i].Length];
            if (wanted[i].Length > 0) Marshal.Copy(t.Attributes[i].value, buffers[i], 0, wanted[i].Length);
        }
        return (rv, (CK_ATTRIBUTE[])t.Attributes.Clone(), buffers);
    }

    /// <summary>
    /// Reads an attribute-array attribute the way Pkcs11Interop does (§5.7: the length, then the entries'
    /// types and lengths, then the values), optionally asking for CKA_VALUE in the last call too.
    /// </summary>
    private (CKR Rv, List<(ulong Type, byte[] Value)> Nested) ReadNested(ulong h, CKA type, bool alsoAskForValue)
    {
        var allocations = new List<IntPtr>();
        IntPtr Alloc(int n)
        {
            IntPtr p = Marshal.AllocHGlobal(Math.Max(n, 1));
            Marshal.Copy(new byte[Math.Max(n, 1)], 0, p, Math.Max(n, 1));
            allocations.Add(p);
            return p;
        }
        try
        {
            var outer = new[] { new CK_ATTRIBUTE { type = (ulong)type } };
            P11.Ok(Module.Low.C_GetAttributeValue(Session, h, outer, 1), $"C_GetAttributeValue({type}, length)");
            int count = (int)outer[0].valueLen / 24;
            outer[0].value = Alloc(count * 24);
            P11.Ok(Module.Low.C_GetAttributeValue(Session, h, outer, 1), $"C_GetAttributeValue({type}, entries)");
            var entries = new CK_ATTRIBUTE[count];
            for (int i = 0; i < count; i++)
            {
                entries[i] = Marshal.PtrToStructure<CK_ATTRIBUTE>(outer[0].value + i * 24);
                entries[i].value = Alloc((int)entries[i].valueLen);
                Marshal.StructureToPtr(entries[i], outer[0].value + i * 24, false);
            }
            var template = new List<CK_ATTRIBUTE> { outer[0] };
            if (alsoAskForValue) template.Add(new CK_ATTRIBUTE { type = (ulong)CKA.CKA_VALUE, value = Alloc(64), valueLen = 64 });
            CKR rv = Module.Low.C_GetAttributeValue(Session, h, template.ToArray(), (ulong)template.Count);
            var nested = new List<(ulong, byte[])>();
            for (int i = 0; i < count; i++)
            {
                var e = Marshal.PtrToStructure<CK_ATTRIBUTE>(outer[0].value + i * 24);
                var bytes = new byte[(int)e.valueLen];
                Marshal.Copy(e.value, bytes, 0, bytes.Length);
                nested.Add((e.type, bytes));
            }
            return (rv, nested);
        }
        finally
        {
            foreach (IntPtr p in allocations) Marshal.FreeHGlobal(p);
        }
    }

    private static byte[] ValueBytes(CK_ATTRIBUTE a)
    {
        var bytes = new byte[(int)a.valueLen];
        if (bytes.Length > 0) Marshal.Copy(a.value, bytes, 0, bytes.Length);
        return bytes;
    }

    /// <summary>A CK_ATTRIBUTE[] as the bytes of an attribute value (linux-x64: type, pValue, ulValueLen, 8 bytes
    /// each), pointing into <paramref name="inner"/>'s native memory.</summary>
    public static byte[] NestedTemplateBytes(NativeTemplate inner) =>
        inner.Attributes.SelectMany(a => BitConverter.GetBytes(a.type).Concat(BitConverter.GetBytes((ulong)a.value)).Concat(BitConverter.GetBytes(a.valueLen))).ToArray();
}
