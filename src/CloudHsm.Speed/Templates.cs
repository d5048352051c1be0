using CloudHsm.Pkcs11.Abi;
using static CloudHsm.Speed.Pkcs11Module;

namespace CloudHsm.Speed;

/// <summary>The key templates and constants of p11bench.c, built once in unmanaged memory and shared
/// read-only by every thread (the module only reads them). Keys are session objects
/// (CKA_TOKEN=false); private and secret keys are CKA_SENSITIVE.</summary>
internal static unsafe class Templates
{
    public const string KeyLabel = "cloudhsm-speed";
    /// <summary>CKA_APPLICATION of the data objects find-objects creates (and --purge-stale removes).</summary>
    public const string AppTag = "cloudhsm-speed";
    /// <summary>CKA_APPLICATION of the persistent fixture objects made by --populate.</summary>
    public const string FixtureTag = "cloudhsm-speed-fixture";

    public static readonly byte[] OidP256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    public static readonly byte[] OidEd25519 = [0x06, 0x03, 0x2b, 0x65, 0x70];
    /// <summary>PrintableString "edwards25519" (PKCS#11 3.0 also allows the curve name).</summary>
    public static readonly byte[] NameEd25519 = [0x13, 0x0c, (byte)'e', (byte)'d', (byte)'w', (byte)'a', (byte)'r', (byte)'d', (byte)'s', (byte)'2', (byte)'5', (byte)'5', (byte)'1', (byte)'9'];

    private static CK_BBOOL* s_true, s_false;
    private static CK_ULONG* s_rsaBits, s_len32, s_clsSecret, s_clsData, s_ktAes, s_ktGeneric;
    private static byte* s_rsaE, s_label, s_app, s_fixture;
    private static int s_labelLen, s_appLen, s_fixtureLen;

    private static CK_ATTRIBUTE* s_rsaPub, s_rsaPriv;
    private static CK_ATTRIBUTE* s_ecPub, s_ecPriv, s_edPub, s_edPubName;
    private static CK_ATTRIBUTE* s_aes, s_generic;
    private static CK_MECHANISM* s_mRsaGen, s_mEcGen, s_mEdGen, s_mAesGen, s_mGenericGen;

    public const int RsaPubCount = 5, PrivCount = 5, EcPubCount = 4, SecretCount = 8;

    public static CK_ULONG* ClassData => s_clsData;
    public static CK_BBOOL* True => s_true;
    public static CK_BBOOL* False => s_false;
    public static byte* App => s_app;
    public static int AppLength => s_appLen;
    public static byte* Fixture => s_fixture;
    public static int FixtureLength => s_fixtureLen;

    public static CK_ATTRIBUTE Attr(CKA type, void* value, long length) =>
        new() { type = (CK_ATTRIBUTE_TYPE)(uint)type, pValue = value, ulValueLen = (CK_ULONG)length };

    public static void Init()
    {
        s_true = NativeArena.Value<CK_BBOOL>(1);
        s_false = NativeArena.Value<CK_BBOOL>(0);
        s_rsaBits = NativeArena.Value<CK_ULONG>(2048);
        s_len32 = NativeArena.Value<CK_ULONG>(32);
        s_clsSecret = NativeArena.Value<CK_ULONG>((CK_ULONG)(uint)CKO.CKO_SECRET_KEY);
        s_clsData = NativeArena.Value<CK_ULONG>((CK_ULONG)(uint)CKO.CKO_DATA);
        s_ktAes = NativeArena.Value<CK_ULONG>((CK_ULONG)(uint)CKK.CKK_AES);
        s_ktGeneric = NativeArena.Value<CK_ULONG>((CK_ULONG)(uint)CKK.CKK_GENERIC_SECRET);
        s_rsaE = NativeArena.Bytes([0x01, 0x00, 0x01]);
        s_label = NativeArena.Utf8(KeyLabel, out s_labelLen);
        s_app = NativeArena.Utf8(AppTag, out s_appLen);
        s_fixture = NativeArena.Utf8(FixtureTag, out s_fixtureLen);
        byte* p256 = NativeArena.Bytes(OidP256);
        byte* ed = NativeArena.Bytes(OidEd25519);
        byte* edName = NativeArena.Bytes(NameEd25519);

        s_rsaPub = NativeArena.Alloc<CK_ATTRIBUTE>(RsaPubCount);
        s_rsaPub[0] = Attr(CKA.CKA_TOKEN, s_false, 1);
        s_rsaPub[1] = Attr(CKA.CKA_VERIFY, s_true, 1);
        s_rsaPub[2] = Attr(CKA.CKA_MODULUS_BITS, s_rsaBits, sizeof(CK_ULONG));
        s_rsaPub[3] = Attr(CKA.CKA_PUBLIC_EXPONENT, s_rsaE, 3);
        s_rsaPub[4] = Attr(CKA.CKA_LABEL, s_label, s_labelLen);

        s_rsaPriv = PrivateTemplate();
        s_ecPriv = PrivateTemplate();
        s_ecPub = EcPublicTemplate(p256, OidP256.Length);
        s_edPub = EcPublicTemplate(ed, OidEd25519.Length);
        s_edPubName = EcPublicTemplate(edName, NameEd25519.Length);
        s_aes = SecretTemplate(aes: true);
        s_generic = SecretTemplate(aes: false);

        s_mRsaGen = Mechanism(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN);
        s_mEcGen = Mechanism(CKM.CKM_EC_KEY_PAIR_GEN);
        s_mEdGen = Mechanism(CKM.CKM_EC_EDWARDS_KEY_PAIR_GEN);
        s_mAesGen = Mechanism(CKM.CKM_AES_KEY_GEN);
        s_mGenericGen = Mechanism(CKM.CKM_GENERIC_SECRET_KEY_GEN);
    }

    public static CK_MECHANISM* Mechanism(CKM type, void* parameter = null, long parameterLength = 0)
    {
        CK_MECHANISM* m = NativeArena.Alloc<CK_MECHANISM>();
        m->mechanism = (CK_MECHANISM_TYPE)(uint)type;
        m->pParameter = parameter;
        m->ulParameterLen = (CK_ULONG)parameterLength;
        return m;
    }

    private static CK_ATTRIBUTE* PrivateTemplate()
    {
        CK_ATTRIBUTE* t = NativeArena.Alloc<CK_ATTRIBUTE>(PrivCount);
        t[0] = Attr(CKA.CKA_TOKEN, s_false, 1);
        t[1] = Attr(CKA.CKA_PRIVATE, s_true, 1);
        t[2] = Attr(CKA.CKA_SENSITIVE, s_true, 1);
        t[3] = Attr(CKA.CKA_SIGN, s_true, 1);
        t[4] = Attr(CKA.CKA_LABEL, s_label, s_labelLen);
        return t;
    }

    private static CK_ATTRIBUTE* EcPublicTemplate(byte* parameters, int length)
    {
        CK_ATTRIBUTE* t = NativeArena.Alloc<CK_ATTRIBUTE>(EcPubCount);
        t[0] = Attr(CKA.CKA_TOKEN, s_false, 1);
        t[1] = Attr(CKA.CKA_VERIFY, s_true, 1);
        t[2] = Attr(CKA.CKA_EC_PARAMS, parameters, length);
        t[3] = Attr(CKA.CKA_LABEL, s_label, s_labelLen);
        return t;
    }

    private static CK_ATTRIBUTE* SecretTemplate(bool aes)
    {
        CK_ATTRIBUTE* t = NativeArena.Alloc<CK_ATTRIBUTE>(SecretCount);
        t[0] = Attr(CKA.CKA_CLASS, s_clsSecret, sizeof(CK_ULONG));
        t[1] = Attr(CKA.CKA_KEY_TYPE, aes ? s_ktAes : s_ktGeneric, sizeof(CK_ULONG));
        t[2] = Attr(CKA.CKA_TOKEN, s_false, 1);
        t[3] = Attr(CKA.CKA_SENSITIVE, s_true, 1);
        t[4] = Attr(CKA.CKA_VALUE_LEN, s_len32, sizeof(CK_ULONG));
        t[5] = Attr(aes ? CKA.CKA_ENCRYPT : CKA.CKA_SIGN, s_true, 1);
        t[6] = Attr(aes ? CKA.CKA_DECRYPT : CKA.CKA_VERIFY, s_true, 1);
        t[7] = Attr(CKA.CKA_LABEL, s_label, s_labelLen);
        return t;
    }

    // The generators: no allocation, so the keygen ops can call them in the timed loop.

    public static CK_RV GenerateRsa(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv) =>
        F->C_GenerateKeyPair(s, s_mRsaGen, s_rsaPub, RsaPubCount, s_rsaPriv, PrivCount, pub, priv);

    public static CK_RV GenerateEc(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv) =>
        F->C_GenerateKeyPair(s, s_mEcGen, s_ecPub, EcPubCount, s_ecPriv, PrivCount, pub, priv);

    /// <summary>Ed25519 by OID first; if that fails, by the printable curve name (as p11bench).</summary>
    public static CK_RV GenerateEd25519(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv)
    {
        CK_RV rv = F->C_GenerateKeyPair(s, s_mEdGen, s_edPub, EcPubCount, s_ecPriv, PrivCount, pub, priv);
        if (rv != CKR_OK)
        {
            CK_RV rv2 = F->C_GenerateKeyPair(s, s_mEdGen, s_edPubName, EcPubCount, s_ecPriv, PrivCount, pub, priv);
            if (rv2 == CKR_OK)
                rv = rv2;
        }
        return rv;
    }

    public static CK_RV GenerateSecret(CK_SESSION_HANDLE s, bool aes, CK_OBJECT_HANDLE* key) =>
        F->C_GenerateKey(s, aes ? s_mAesGen : s_mGenericGen, aes ? s_aes : s_generic, SecretCount, key);
}
