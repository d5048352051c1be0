using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;

namespace CloudHsm.Pkcs11.Tests.Mechanisms.Mac;

/// <summary>Whole MAC and derive calls through the low-level API, returning the CKR instead of asserting.</summary>
internal static class MacCalls
{
    public static Attr[] SecretTemplate(CKK type, byte[] value) =>
    [
        Attr.Class(CKO.CKO_SECRET_KEY), Attr.KeyType(type), Attr.Token(false), Attr.Private(true),
        Attr.Bool(CKA.CKA_SENSITIVE, false), Attr.Bool(CKA.CKA_SIGN, true), Attr.Bool(CKA.CKA_VERIFY, true),
        Attr.Bool(CKA.CKA_DERIVE, true), Attr.Bytes(CKA.CKA_VALUE, value),
    ];

    /// <summary>The readable key C_DeriveKey should make (CKA_SENSITIVE false, CKA_EXTRACTABLE true).</summary>
    public static Attr[] DerivedTemplate(ulong length, CKK type = CKK.CKK_GENERIC_SECRET) =>
    [
        Attr.Class(CKO.CKO_SECRET_KEY), Attr.KeyType(type), Attr.Token(false), Attr.Bool(CKA.CKA_SENSITIVE, false),
        Attr.Bool(CKA.CKA_EXTRACTABLE, true), Attr.ULong(CKA.CKA_VALUE_LEN, length),
    ];

    public static NativeMechanism Mechanism(CKM type, ulong? generalLength = null)
    {
        var m = new NativeMechanism((ulong)type);
        return generalLength is ulong n ? m.WithFields(n) : m;
    }

    public static (CKR Rv, byte[] Mac) TrySign(ulong session, NativeMechanism mechanism, ulong key, byte[] data)
    {
        CKR rv = Module.Low.C_SignInit(session, ref mechanism.Value, key);
        if (rv != CKR.CKR_OK) return (rv, []);
        var mac = new byte[64];
        ulong len = (ulong)mac.Length;
        rv = Module.Low.C_Sign(session, data, (ulong)data.Length, mac, ref len);
        return (rv, rv == CKR.CKR_OK ? mac[..(int)len] : []);
    }

    public static CKR TryVerify(ulong session, NativeMechanism mechanism, ulong key, byte[] data, byte[] mac)
    {
        CKR rv = Module.Low.C_VerifyInit(session, ref mechanism.Value, key);
        return rv != CKR.CKR_OK ? rv : Module.Low.C_Verify(session, data, (ulong)data.Length, mac, (ulong)mac.Length);
    }

    public static (CKR Rv, ulong Key) TryDerive(ulong session, NativeMechanism mechanism, ulong baseKey, Attr[] template)
    {
        using var t = new NativeTemplate(template);
        ulong handle = 0;
        CKR rv = Module.Low.C_DeriveKey(session, ref mechanism.Value, baseKey, t.Attributes, t.Count, ref handle);
        return (rv, handle);
    }

    /// <summary>CK_HKDF_PARAMS in the linux-x64 layout: the two CK_BBOOLs share the first 8-byte slot.</summary>
    public static NativeMechanism Hkdf(bool extract, bool expand, CKM hash, ulong saltType, byte[] salt, byte[] info, ulong saltKey = 0)
    {
        var m = new NativeMechanism((ulong)MacCalls.CKM_HKDF_DERIVE);
        return m.WithFields((extract ? 1UL : 0) | (expand ? 1UL << 8 : 0), (ulong)hash, saltType,
            (ulong)m.Pin(salt), (ulong)salt.Length, saltKey, (ulong)m.Pin(info), (ulong)info.Length);
    }

    public const ulong SaltNull = 1, SaltData = 2, SaltKey = 4;

    /// <summary>PKCS#11 3.0 mechanisms Pkcs11Interop 5.3 (2.40) has no names for.</summary>
    public const CKM CKM_SP800_108_COUNTER_KDF = (CKM)0x3AC, CKM_HKDF_DERIVE = (CKM)0x402A;
}
