using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.LowLevelAPI80;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Mechanisms.Wrapping;

/// <summary>
/// C_WrapKey / C_UnwrapKey (spec 5.18) through the published library: secret keys under AES key wrap and
/// RSA-OAEP, private keys as PKCS#8 (§6.7) that sign for the original public key after the round trip,
/// and the rules with their codes. A wrap mechanism the module does not offer skips its test.
/// </summary>
public sealed class WrapUnwrapTest : RwUserSessionFixture
{
    /// <summary>CKM_AES_KEY_WRAP_KWP (PKCS#11 3.0): not in Pkcs11Interop's 2.40 enum.</summary>
    private const CKM AesKeyWrapKwp = (CKM)0x0000210B;

    private static readonly byte[] P256 = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
    private static readonly byte[] Message = "wrapped keys still sign"u8.ToArray();

    private ulong Aes(int bytes = 32, params Attr[] extra)
    {
        using var m = new NativeMechanism((ulong)CKM.CKM_AES_KEY_GEN);
        using var t = new NativeTemplate([Attr.ULong(CKA.CKA_VALUE_LEN, (ulong)bytes), .. extra]);
        ulong key = 0;
        P11.Ok(Module.Low.C_GenerateKey(Session, ref m.Value, t.Attributes, t.Count, ref key), "C_GenerateKey(CKM_AES_KEY_GEN)");
        return key;
    }

    private (ulong Public, ulong Private) Pair(CKM mechanism, Attr publicAttr)
    {
        using var m = new NativeMechanism((ulong)mechanism);
        using var pub = new NativeTemplate([publicAttr]);
        using var priv = new NativeTemplate([Attr.Bool(CKA.CKA_EXTRACTABLE, true), Attr.Bool(CKA.CKA_SIGN, true)]);
        ulong publicKey = 0, privateKey = 0;
        P11.Ok(Module.Low.C_GenerateKeyPair(Session, ref m.Value, pub.Attributes, pub.Count, priv.Attributes, priv.Count,
            ref publicKey, ref privateKey), $"C_GenerateKeyPair({mechanism})");
        return (publicKey, privateKey);
    }

    private (ulong Public, ulong Private) Rsa() => Pair(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, Attr.ULong(CKA.CKA_MODULUS_BITS, 2048));

    private (ulong Public, ulong Private) Ec() => Pair(CKM.CKM_EC_KEY_PAIR_GEN, Attr.Bytes(CKA.CKA_EC_PARAMS, P256));

    private static NativeMechanism Mech(CKM type) => new((ulong)type);

    /// <summary>C_WrapKey with the size query first; skips the test when the module lacks the mechanism.</summary>
    private CKR TryWrap(NativeMechanism m, ulong kek, ulong key, out byte[] wrapped)
    {
        wrapped = [];
        ulong len = 0;
        CKR rv = Module.Low.C_WrapKey(Session, ref m.Value, kek, key, null, ref len);
        if (rv == CKR.CKR_MECHANISM_INVALID) SkipIfMissing(m.Value.Mechanism);
        if (rv != CKR.CKR_OK) return rv;
        var buffer = new byte[len];
        rv = Module.Low.C_WrapKey(Session, ref m.Value, kek, key, buffer, ref len);
        wrapped = buffer.Take((int)len).ToArray();
        return rv;
    }

    private byte[] Wrap(NativeMechanism m, ulong kek, ulong key)
    {
        P11.Ok(TryWrap(m, kek, key, out byte[] wrapped), $"C_WrapKey({Names.Mechanism(m.Value.Mechanism)})");
        return wrapped;
    }

    private CKR TryUnwrap(NativeMechanism m, ulong kek, byte[] wrapped, out ulong key, params Attr[] template)
    {
        key = 0;
        using var t = new NativeTemplate(template);
        CKR rv = Module.Low.C_UnwrapKey(Session, ref m.Value, kek, wrapped, (ulong)wrapped.Length, t.Attributes, t.Count, ref key);
        if (rv == CKR.CKR_MECHANISM_INVALID) SkipIfMissing(m.Value.Mechanism);
        return rv;
    }

    private ulong Unwrap(NativeMechanism m, ulong kek, byte[] wrapped, params Attr[] template)
    {
        P11.Ok(TryUnwrap(m, kek, wrapped, out ulong key, template), $"C_UnwrapKey({Names.Mechanism(m.Value.Mechanism)})");
        return key;
    }

    /// <summary>CKR_MECHANISM_INVALID from a mechanism the module does not list means "not landed": skip, naming it.</summary>
    private static void SkipIfMissing(ulong mechanism)
    {
        ulong count = 0;
        P11.Ok(Module.Low.C_GetMechanismList(Module.MainSlot, null, ref count), "C_GetMechanismList");
        var list = new CKM[count];
        P11.Ok(Module.Low.C_GetMechanismList(Module.MainSlot, list, ref count), "C_GetMechanismList");
        if (!list.Any(m => (ulong)m == mechanism)) Assert.Ignore($"{Names.Mechanism(mechanism)} is not offered by this module yet");
    }

    private static Attr[] SecretTemplate(CKK keyType) => [Attr.Class(CKO.CKO_SECRET_KEY), Attr.KeyType(keyType)];

    private static Attr[] PrivateTemplate(CKK keyType) => [Attr.Class(CKO.CKO_PRIVATE_KEY), Attr.KeyType(keyType), Attr.Bool(CKA.CKA_SIGN, true)];

    private void SignThenVerify(CKM mechanism, ulong privateKey, ulong publicKey)
    {
        using var m = Mech(mechanism);
        P11.Ok(Module.Low.C_SignInit(Session, ref m.Value, privateKey), "C_SignInit");
        ulong len = 0;
        P11.Ok(Module.Low.C_Sign(Session, Message, (ulong)Message.Length, null, ref len), "C_Sign(size query)");
        var signature = new byte[len];
        P11.Ok(Module.Low.C_Sign(Session, Message, (ulong)Message.Length, signature, ref len), "C_Sign");
        P11.Ok(Module.Low.C_VerifyInit(Session, ref m.Value, publicKey), "C_VerifyInit");
        P11.Ok(Module.Low.C_Verify(Session, Message, (ulong)Message.Length, signature, len), "C_Verify with the original public key");
    }

    // --- round trips -----------------------------------------------------------------------------------

    [Test]
    public void Aes_key_round_trips_under_KWP_and_the_size_query_rules_hold()
    {
        ulong kek = Aes(), key = Aes(24);
        using var m = Mech(AesKeyWrapKwp);
        ulong len = 0;
        CKR rv = Module.Low.C_WrapKey(Session, ref m.Value, kek, key, null, ref len);
        if (rv == CKR.CKR_MECHANISM_INVALID) SkipIfMissing(m.Value.Mechanism);
        P11.Ok(rv, "C_WrapKey(size query)");
        Assert.That(len, Is.EqualTo(32UL), "RFC 5649: 24 bytes + 8");
        ulong small = len - 1;
        Assert.That(Module.Low.C_WrapKey(Session, ref m.Value, kek, key, new byte[small], ref small), Is.EqualTo(CKR.CKR_BUFFER_TOO_SMALL));
        Assert.That(small, Is.EqualTo(len), "*pulWrappedKeyLen holds the length needed");

        ulong unwrapped = Unwrap(m, kek, Wrap(m, kek, key), SecretTemplate(CKK.CKK_AES));

        Assert.That(P11.Get(Session, unwrapped, CKA.CKA_CHECK_VALUE), Is.EqualTo(P11.Get(Session, key, CKA.CKA_CHECK_VALUE)), "same key");
        Assert.That(P11.GetBool(Session, unwrapped, CKA.CKA_LOCAL), Is.False, "CKA_LOCAL");
        Assert.That(P11.GetBool(Session, unwrapped, CKA.CKA_ALWAYS_SENSITIVE), Is.False, "CKA_ALWAYS_SENSITIVE");
        Assert.That(P11.GetBool(Session, unwrapped, CKA.CKA_NEVER_EXTRACTABLE), Is.False, "CKA_NEVER_EXTRACTABLE");
    }

    [TestCase(AesKeyWrapKwp)]
    [TestCase(CKM.CKM_AES_KEY_WRAP_PAD)]
    public void Rsa_private_key_round_trips_as_PKCS8_and_signs(CKM wrap)
    {
        ulong kek = Aes();
        var (publicKey, privateKey) = Rsa();
        using var m = Mech(wrap);
        ulong unwrapped = Unwrap(m, kek, Wrap(m, kek, privateKey), PrivateTemplate(CKK.CKK_RSA));
        SignThenVerify(CKM.CKM_SHA256_RSA_PKCS, unwrapped, publicKey);
    }

    [TestCase(AesKeyWrapKwp)]
    [TestCase(CKM.CKM_AES_KEY_WRAP_PAD)]
    public void Ec_private_key_round_trips_as_PKCS8_and_signs(CKM wrap)
    {
        ulong kek = Aes();
        var (publicKey, privateKey) = Ec();
        using var m = Mech(wrap);
        ulong unwrapped = Unwrap(m, kek, Wrap(m, kek, privateKey), PrivateTemplate(CKK.CKK_EC));
        SignThenVerify(CKM.CKM_ECDSA_SHA256, unwrapped, publicKey);
    }

    [Test]
    public void Rsa_oaep_wraps_an_aes_key()
    {
        var (publicKey, privateKey) = Rsa();
        ulong key = Aes();
        // CK_RSA_PKCS_OAEP_PARAMS { hashAlg CKM_SHA256, mgf CKG_MGF1_SHA256, source CKZ_DATA_SPECIFIED, pSourceData NULL, 0 }
        using var m = Mech(CKM.CKM_RSA_PKCS_OAEP).WithFields((ulong)CKM.CKM_SHA256, 2, 1, 0, 0);
        byte[] wrapped = Wrap(m, publicKey, key);
        Assert.That(wrapped, Has.Length.EqualTo(256));
        ulong unwrapped = Unwrap(m, privateKey, wrapped, SecretTemplate(CKK.CKK_AES));
        Assert.That(P11.Get(Session, unwrapped, CKA.CKA_CHECK_VALUE), Is.EqualTo(P11.Get(Session, key, CKA.CKA_CHECK_VALUE)));
    }

    // --- rules -------------------------------------------------------------------------------------------

    [Test]
    public void Keys_without_CKA_WRAP_or_CKA_UNWRAP_are_refused()
    {
        ulong locked = Aes(32, Attr.Bool(CKA.CKA_WRAP, false), Attr.Bool(CKA.CKA_UNWRAP, false)), kek = Aes(), key = Aes();
        using var m = Mech(AesKeyWrapKwp);
        byte[] wrapped = Wrap(m, kek, key);
        Assert.That(TryWrap(m, locked, key, out _), Is.EqualTo(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED));
        Assert.That(TryUnwrap(m, locked, wrapped, out _, SecretTemplate(CKK.CKK_AES)), Is.EqualTo(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED));
    }

    [Test]
    public void Invalid_handles_have_their_own_codes()
    {
        ulong kek = Aes(), key = Aes();
        using var m = Mech(AesKeyWrapKwp);
        Wrap(m, kek, key);
        Assert.That(TryWrap(m, Ck.InvalidObject, key, out _), Is.EqualTo(CKR.CKR_WRAPPING_KEY_HANDLE_INVALID));
        Assert.That(TryWrap(m, kek, Ck.InvalidObject, out _), Is.EqualTo(CKR.CKR_KEY_HANDLE_INVALID));
        Assert.That(TryUnwrap(m, Ck.InvalidObject, new byte[40], out _, SecretTemplate(CKK.CKK_AES)), Is.EqualTo(CKR.CKR_UNWRAPPING_KEY_HANDLE_INVALID));
    }

    [Test]
    public void Wrong_key_type_for_the_mechanism_is_type_inconsistent()
    {
        var (publicKey, privateKey) = Rsa();
        ulong key = Aes();
        using var m = Mech(AesKeyWrapKwp);
        Wrap(m, Aes(), key);
        Assert.That(TryWrap(m, publicKey, key, out _), Is.EqualTo(CKR.CKR_WRAPPING_KEY_TYPE_INCONSISTENT));
        Assert.That(TryUnwrap(m, privateKey, new byte[40], out _, SecretTemplate(CKK.CKK_AES)), Is.EqualTo(CKR.CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT));
    }

    [Test]
    public void Unextractable_and_public_keys_are_not_wrapped()
    {
        var (publicKey, _) = Rsa();
        ulong kek = Aes(), pinned = Aes(32, Attr.Bool(CKA.CKA_EXTRACTABLE, false));
        using var m = Mech(AesKeyWrapKwp);
        Wrap(m, kek, Aes());
        Assert.That(TryWrap(m, kek, pinned, out _), Is.EqualTo(CKR.CKR_KEY_UNEXTRACTABLE));
        Assert.That(TryWrap(m, kek, publicKey, out _), Is.EqualTo(CKR.CKR_KEY_NOT_WRAPPABLE));
    }

    [Test]
    public void Damaged_or_mis_sized_wrapped_keys_are_refused()
    {
        ulong kek = Aes();
        using var m = Mech(AesKeyWrapKwp);
        byte[] wrapped = Wrap(m, kek, Aes());
        wrapped[5] ^= 0x10;
        Assert.That(TryUnwrap(m, kek, wrapped, out _, SecretTemplate(CKK.CKK_AES)), Is.EqualTo(CKR.CKR_WRAPPED_KEY_INVALID));
        Assert.That(TryUnwrap(m, kek, wrapped[..^3], out _, SecretTemplate(CKK.CKK_AES)), Is.EqualTo(CKR.CKR_WRAPPED_KEY_LEN_RANGE));
    }

    [Test]
    public void Wrap_template_mismatch_is_key_handle_invalid()
    {
        using var inner = new NativeTemplate([Attr.Label("payments")]);
        ulong kek = Aes(32, Attr.Bytes(CKA.CKA_WRAP_TEMPLATE, NestedTemplateBytes(inner)));
        using var m = Mech(AesKeyWrapKwp);
        Wrap(m, kek, Aes(32, Attr.Label("payments")));
        Assert.That(TryWrap(m, kek, Aes(32, Attr.Label("other")), out _), Is.EqualTo(CKR.CKR_KEY_HANDLE_INVALID),
            "spec 5.18: a CKA_WRAP_TEMPLATE mismatch SHALL return CKR_KEY_HANDLE_INVALID");
    }

    [Test]
    public void Unwrap_template_joins_the_template_and_a_conflict_is_inconsistent()
    {
        using var inner = new NativeTemplate([Attr.Bool(CKA.CKA_EXTRACTABLE, false)]);
        ulong kek = Aes(32, Attr.Bytes(CKA.CKA_UNWRAP_TEMPLATE, NestedTemplateBytes(inner)));
        using var m = Mech(AesKeyWrapKwp);
        byte[] wrapped = Wrap(m, kek, Aes());
        ulong unwrapped = Unwrap(m, kek, wrapped, SecretTemplate(CKK.CKK_AES));
        Assert.That(P11.GetBool(Session, unwrapped, CKA.CKA_EXTRACTABLE), Is.False);
        Assert.That(TryUnwrap(m, kek, wrapped, out _, [.. SecretTemplate(CKK.CKK_AES), Attr.Bool(CKA.CKA_EXTRACTABLE, true)]),
            Is.EqualTo(CKR.CKR_TEMPLATE_INCONSISTENT));
    }

    [Test]
    public void The_so_marks_a_wrapping_key_trusted_and_the_user_wraps_a_wrap_with_trusted_key()
    {
        using var m = Mech(AesKeyWrapKwp);
        ulong key = Aes(32, Attr.Bool(CKA.CKA_WRAP_WITH_TRUSTED, true));
        Assert.That(TryWrap(m, Aes(), key, out _), Is.EqualTo(CKR.CKR_KEY_NOT_WRAPPABLE), "untrusted wrapping key");

        string label = P11.UniqueLabel("trusted-kek");
        ulong kek = Aes(32, Attr.Token(true), Attr.Private(false), Attr.Label(label));
        try
        {
            Assert.That(P11.TrySet(Session, kek, Attr.Bool(CKA.CKA_TRUSTED, true)), Is.EqualTo(CKR.CKR_ATTRIBUTE_READ_ONLY), "the user may not trust a key");
            P11.Logout(Session);
            P11.LoginSo(Session);
            P11.Ok(P11.TrySet(Session, kek, Attr.Bool(CKA.CKA_TRUSTED, true)), "C_SetAttributeValue(CKA_TRUSTED) as SO");
            P11.Logout(Session);
            P11.LoginUser(Session);
            key = Aes(32, Attr.Bool(CKA.CKA_WRAP_WITH_TRUSTED, true)); // private session keys went with the logout

            ulong unwrapped = Unwrap(m, kek, Wrap(m, kek, key), SecretTemplate(CKK.CKK_AES));
            Assert.That(P11.Get(Session, unwrapped, CKA.CKA_CHECK_VALUE), Is.EqualTo(P11.Get(Session, key, CKA.CKA_CHECK_VALUE)));
        }
        finally
        {
            P11.Destroy(Session, kek);
        }
    }

    /// <summary>A CK_ATTRIBUTE[] as the bytes of an attribute value (linux-x64: type, pValue, ulValueLen,
    /// 8 bytes each), pointing into <paramref name="inner"/>'s native memory.</summary>
    private static byte[] NestedTemplateBytes(NativeTemplate inner)
    {
        var bytes = new List<byte>();
        foreach (CK_ATTRIBUTE a in inner.Attributes)
        {
            bytes.AddRange(BitConverter.GetBytes(a.type));
            bytes.AddRange(BitConverter.GetBytes((ulong)a.value));
            bytes.AddRange(BitConverter.GetBytes(a.valueLen));
        }
        Assert.That(Marshal.SizeOf<CK_ATTRIBUTE>(), Is.EqualTo(24));
        return [.. bytes];
    }
}
