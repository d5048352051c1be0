using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Mechanisms.Ec;

/// <summary>The EC family's calls through the published library: DER encodings, key import and
/// generation, sign/verify, and ECDH with a CK_ECDH1_DERIVE_PARAMS (written in the linux-x64 layout).</summary>
internal static class EcCalls
{
    // PKCS#11 3.0 values that Pkcs11Interop 5.3's 2.40 enums lack.
    public const CKM CKM_EC_EDWARDS_KEY_PAIR_GEN = (CKM)0x00001055;
    public const CKM CKM_EC_MONTGOMERY_KEY_PAIR_GEN = (CKM)0x00001056;
    public const CKM CKM_EDDSA = (CKM)0x00001057;
    public const CKK CKK_EC_EDWARDS = (CKK)0x00000040;
    public const CKK CKK_EC_MONTGOMERY = (CKK)0x00000041;

    public static readonly byte[] P256 = Convert.FromHexString("06082a8648ce3d030107");
    public static readonly byte[] P384 = Convert.FromHexString("06052b81040022");
    public static readonly byte[] P521 = Convert.FromHexString("06052b81040023");
    public static readonly byte[] Secp256k1 = Convert.FromHexString("06052b8104000a");
    public static readonly byte[] Ed25519 = Convert.FromHexString("06032b6570");
    public static readonly byte[] Ed448 = Convert.FromHexString("06032b6571");
    public static readonly byte[] X25519 = Convert.FromHexString("06032b656e");
    public static readonly byte[] X448 = Convert.FromHexString("06032b656f");

    /// <summary>CKA_EC_PARAMS as the curveName choice: a DER PrintableString.</summary>
    public static byte[] CurveName(string name) => [0x13, (byte)name.Length, .. System.Text.Encoding.ASCII.GetBytes(name)];

    public static byte[] OctetString(byte[] content) =>
        content.Length < 0x80 ? [0x04, (byte)content.Length, .. content] : [0x04, 0x81, (byte)content.Length, .. content];

    public static byte[] Unwrap(byte[] der) =>
        der[1] < 0x80 ? der[2..] : der[3..];

    public static ulong ImportPublic(ulong session, CKK keyType, byte[] ecParams, byte[] point) => P11.Create(session,
    [
        Attr.Class(CKO.CKO_PUBLIC_KEY), Attr.KeyType(keyType), Attr.Token(false), Attr.Private(false),
        Attr.Label(P11.UniqueLabel("ec-pub")), Attr.Bool(CKA.CKA_VERIFY, true),
        Attr.Bytes(CKA.CKA_EC_PARAMS, ecParams), Attr.Bytes(CKA.CKA_EC_POINT, point),
    ]);

    public static ulong ImportPrivate(ulong session, CKK keyType, byte[] ecParams, byte[] value) => P11.Create(session,
    [
        Attr.Class(CKO.CKO_PRIVATE_KEY), Attr.KeyType(keyType), Attr.Token(false), Attr.Private(true),
        Attr.Label(P11.UniqueLabel("ec")), Attr.Bool(CKA.CKA_SIGN, true), Attr.Bool(CKA.CKA_DERIVE, true),
        Attr.Bytes(CKA.CKA_EC_PARAMS, ecParams), Attr.Bytes(CKA.CKA_VALUE, value),
    ]);

    public static CKR TryGenerate(ulong session, CKM mechanism, byte[] ecParams, out ulong pub, out ulong priv)
    {
        using var mech = new NativeMechanism((ulong)mechanism);
        using var pt = new NativeTemplate([Attr.Token(false), Attr.Bool(CKA.CKA_VERIFY, true), Attr.Bytes(CKA.CKA_EC_PARAMS, ecParams)]);
        using var kt = new NativeTemplate([Attr.Token(false), Attr.Private(true), Attr.Bool(CKA.CKA_SENSITIVE, true),
            Attr.Bool(CKA.CKA_SIGN, true), Attr.Bool(CKA.CKA_DERIVE, true)]);
        pub = priv = 0;
        return Module.Low.C_GenerateKeyPair(session, ref mech.Value, pt.Attributes, pt.Count, kt.Attributes, kt.Count, ref pub, ref priv);
    }

    public static (ulong Public, ulong Private) Generate(ulong session, CKM mechanism, byte[] ecParams)
    {
        CKR rv = TryGenerate(session, mechanism, ecParams, out ulong pub, out ulong priv);
        if (rv == CKR.CKR_MECHANISM_INVALID) Assert.Ignore($"{mechanism}: CKR_MECHANISM_INVALID (not offered)");
        P11.Ok(rv, $"C_GenerateKeyPair({mechanism})");
        return (pub, priv);
    }

    /// <summary>CK_EDDSA_PARAMS in the linux-x64 layout: phFlag (padded to 8), ulContextDataLen, pContextData.</summary>
    public static NativeMechanism Eddsa(bool? preHash = null, byte[]? context = null)
    {
        var mech = new NativeMechanism((ulong)CKM_EDDSA);
        if (preHash is bool ph)
        {
            context ??= [];
            mech.WithFields(ph ? 1UL : 0UL, (ulong)context.Length, (ulong)mech.Pin(context));
        }
        return mech;
    }

    public static byte[] Sign(ulong session, NativeMechanism mech, ulong key, byte[] data)
    {
        P11.Ok(Module.Low.C_SignInit(session, ref mech.Value, key), "C_SignInit");
        ulong len = 0;
        P11.Ok(Module.Low.C_Sign(session, data, (ulong)data.Length, null, ref len), "C_Sign(size query)");
        var sig = new byte[len];
        P11.Ok(Module.Low.C_Sign(session, data, (ulong)data.Length, sig, ref len), "C_Sign");
        return sig[..(int)len];
    }

    public static byte[] Sign(ulong session, CKM mechanism, ulong key, byte[] data)
    {
        using var mech = new NativeMechanism((ulong)mechanism);
        return Sign(session, mech, key, data);
    }

    public static CKR Verify(ulong session, NativeMechanism mech, ulong key, byte[] data, byte[] sig)
    {
        P11.Ok(Module.Low.C_VerifyInit(session, ref mech.Value, key), "C_VerifyInit");
        return Module.Low.C_Verify(session, data, (ulong)data.Length, sig, (ulong)sig.Length);
    }

    public static CKR Verify(ulong session, CKM mechanism, ulong key, byte[] data, byte[] sig)
    {
        using var mech = new NativeMechanism((ulong)mechanism);
        return Verify(session, mech, key, data, sig);
    }

    /// <summary>C_DeriveKey(CKM_ECDH1_DERIVE) into an extractable, non-sensitive generic secret (or the given length).</summary>
    public static CKR TryDerive(ulong session, ulong baseKey, byte[] publicData, out ulong key, ulong kdf = 1, byte[]? shared = null,
        ulong? valueLen = null)
    {
        shared ??= [];
        using var mech = new NativeMechanism((ulong)CKM.CKM_ECDH1_DERIVE);
        mech.WithFields(kdf, (ulong)shared.Length, (ulong)mech.Pin(shared), (ulong)publicData.Length, (ulong)mech.Pin(publicData));
        var attrs = new List<Attr>
        {
            Attr.Class(CKO.CKO_SECRET_KEY), Attr.KeyType(CKK.CKK_GENERIC_SECRET), Attr.Token(false),
            Attr.Bool(CKA.CKA_SENSITIVE, false), Attr.Bool(CKA.CKA_EXTRACTABLE, true),
        };
        if (valueLen is ulong n) attrs.Add(Attr.ULong(CKA.CKA_VALUE_LEN, n));
        using var t = new NativeTemplate(attrs);
        key = 0;
        return Module.Low.C_DeriveKey(session, ref mech.Value, baseKey, t.Attributes, t.Count, ref key);
    }
}
