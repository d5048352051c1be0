using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.LowLevelAPI80;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// What the black-box fuzzer (tests/native/fuzz.c, tests/scripts/fuzz.sh) found in the library, one test per
/// finding, each against the published module. The seed that found it is in fuzz.sh's regression list.
/// </summary>
public sealed class _40_FuzzFindingsTest : Pkcs11Fixture
{
    private static ulong Generate(ulong session, CKM mechanism, out CKR rv, params Attr[] template)
    {
        using var t = new NativeTemplate(template);
        using var m = new NativeMechanism((ulong)mechanism);
        ulong key = 0;
        rv = Module.Low.C_GenerateKey(session, ref m.Value, t.Attributes, t.Count, ref key);
        return key;
    }

    private static ulong AesKey(ulong session, bool isPrivate, bool token = false, string? label = null) =>
        P11.Create(session, Attr.Class(CKO.CKO_SECRET_KEY), Attr.KeyType(CKK.CKK_AES), Attr.Token(token), Attr.Private(isPrivate),
            Attr.Bool(CKA.CKA_ENCRYPT, true), Attr.Bytes(CKA.CKA_VALUE, TestData.Random(16)), Attr.Label(label ?? P11.UniqueLabel("fuzz")));

    /// <summary>§5.18 lists no CKR_KEY_SIZE_RANGE for C_GenerateKey or C_GenerateKeyPair: a length the mechanism
    /// cannot make is an invalid value of the template's attribute (found with seeds 4 and 2, wellformed).</summary>
    [Test]
    public void A_key_length_the_mechanism_cannot_make_is_CKR_ATTRIBUTE_VALUE_INVALID()
    {
        ulong s = P11.OpenRw();
        P11.LoginUser(s);
        Generate(s, CKM.CKM_AES_KEY_GEN, out CKR rv, Attr.Token(false), Attr.ULong(CKA.CKA_VALUE_LEN, 20));
        Assert.That(rv, Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID), "C_GenerateKey(CKM_AES_KEY_GEN, CKA_VALUE_LEN 20)");
        Generate(s, CKM.CKM_GENERIC_SECRET_KEY_GEN, out rv, Attr.Token(false), Attr.ULong(CKA.CKA_VALUE_LEN, 0));
        Assert.That(rv, Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID), "C_GenerateKey(CKM_GENERIC_SECRET_KEY_GEN, CKA_VALUE_LEN 0)");

        using var pub = new NativeTemplate([Attr.Token(false), Attr.ULong(CKA.CKA_MODULUS_BITS, 1024)]);
        using var priv = new NativeTemplate([Attr.Token(false)]);
        using var m = new NativeMechanism((ulong)CKM.CKM_RSA_PKCS_KEY_PAIR_GEN);
        ulong hPub = 0, hPriv = 0;
        Assert.That(Module.Low.C_GenerateKeyPair(s, ref m.Value, pub.Attributes, pub.Count, priv.Attributes, priv.Count, ref hPub, ref hPriv),
            Is.EqualTo(CKR.CKR_ATTRIBUTE_VALUE_INVALID), "C_GenerateKeyPair(CKM_RSA_PKCS_KEY_PAIR_GEN, CKA_MODULUS_BITS 1024)");
    }

    /// <summary>§5.6 C_Login: "Improper use of this user type will result in a return value
    /// CKR_OPERATION_NOT_INITIALIZED"; C_Login's list has no CKR_USER_NOT_LOGGED_IN (found with seed 5, wellformed).</summary>
    [Test]
    public void CKU_CONTEXT_SPECIFIC_with_an_operation_but_no_user_returns_CKR_OPERATION_NOT_INITIALIZED()
    {
        ulong s = P11.OpenRw(); // R/W: the SO logs in below
        P11.Ok(P11.DigestInit(s, CKM.CKM_SHA256), "C_DigestInit");
        Assert.That(P11.TryLogin(s, CKU.CKU_CONTEXT_SPECIFIC, Settings.UserPin), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED),
            "C_Login(CKU_CONTEXT_SPECIFIC) with nobody logged in");
        ulong rw = P11.OpenRw();
        P11.LoginSo(rw);
        Assert.That(P11.TryLogin(s, CKU.CKU_CONTEXT_SPECIFIC, Settings.UserPin), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED),
            "C_Login(CKU_CONTEXT_SPECIFIC) with the SO logged in");
    }

    /// <summary>A public token key's value is sealed until a login opens it; §5.12 lists no CKR_USER_NOT_LOGGED_IN
    /// for C_DigestKey, whose answer for a key that "cannot be digested for some reason" is CKR_KEY_INDIGESTIBLE
    /// (found with seed 3, wellformed).</summary>
    [Test]
    public void C_DigestKey_of_a_key_sealed_until_login_returns_CKR_KEY_INDIGESTIBLE()
    {
        ulong s = P11.OpenRw();
        P11.LoginUser(s);
        ulong key = AesKey(s, isPrivate: false, token: true);
        try
        {
            P11.Logout(s);
            P11.Ok(P11.DigestInit(s, CKM.CKM_SHA256), "C_DigestInit");
            Assert.That(Module.Low.C_DigestKey(s, key), Is.EqualTo(CKR.CKR_KEY_INDIGESTIBLE), "C_DigestKey with nobody logged in");
            ulong len = 0;
            Assert.That(Module.Low.C_DigestFinal(s, null, ref len), Is.EqualTo(CKR.CKR_OK), "the digest is still active");
        }
        finally
        {
            P11.CloseAll(Module.MainSlot);
            ulong cleanup = P11.OpenRw();
            P11.LoginUser(cleanup);
            P11.Destroy(cleanup, key);
        }
    }

    /// <summary>§5.1: "error codes from Section 5.1.2 [CKR_SESSION_HANDLE_INVALID] ... take precedence over error
    /// codes from Section 5.1.6 [CKR_ARGUMENTS_BAD, CKR_ATTRIBUTE_*, CKR_MECHANISM_*]": a call on a handle that is no
    /// open session says so, whatever else is wrong with it (found with seed 3, malformed).</summary>
    [Test]
    public unsafe void A_closed_session_is_CKR_SESSION_HANDLE_INVALID_before_any_argument_error()
    {
        ulong closed = P11.OpenRw();
        P11.Ok(Module.Low.C_CloseSession(closed), "C_CloseSession");
        ulong handle = 0;
        Assert.That(Module.Raw.C_GenerateRandom(closed, null, 5), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_GenerateRandom(NULL, 5)");
        Assert.That(Module.Raw.C_GetSessionInfo(closed, null), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_GetSessionInfo(NULL)");
        Assert.That(Module.Raw.C_CreateObject(closed, null, 1, &handle), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_CreateObject(NULL, 1)");
        Assert.That(Module.Raw.C_FindObjectsInit(closed, null, 1), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_FindObjectsInit(NULL, 1)");
        Assert.That(Module.Raw.C_Digest(closed, null, 3, null, null), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_Digest(NULL, 3, NULL, NULL)");
        Assert.That(Module.Raw.C_DigestInit(closed, null), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_DigestInit(NULL)");
        Assert.That(Module.Raw.C_GetObjectSize(closed, 1, null), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_GetObjectSize(NULL)");
        var template = new CK_ATTRIBUTE[] { new() { type = (ulong)CKA.CKA_LABEL, value = IntPtr.Zero, valueLen = 4 } };
        Assert.That(Module.Low.C_SetAttributeValue(closed, 1, template, 1), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID),
            "C_SetAttributeValue with an attribute whose pValue is NULL");
    }

    /// <summary>C_Logout voids an operation that uses a private object. *Init answered CKR_OPERATION_ACTIVE for it,
    /// while the next C_Encrypt* answered CKR_OPERATION_NOT_INITIALIZED for the same operation: after the logout,
    /// neither may see it (found with seed 6, both modes).</summary>
    [Test]
    public void After_logout_an_operation_on_a_private_key_no_longer_blocks_C_EncryptInit()
    {
        ulong s = P11.OpenRw();
        P11.LoginUser(s);
        ulong privateKey = AesKey(s, isPrivate: true), publicKey = AesKey(s, isPrivate: false);
        using var ecb = new NativeMechanism((ulong)CKM.CKM_AES_ECB);
        P11.Ok(Module.Low.C_EncryptInit(s, ref ecb.Value, privateKey), "C_EncryptInit(private key)");
        P11.Logout(s);
        Assert.That(Module.Low.C_EncryptInit(s, ref ecb.Value, publicKey), Is.EqualTo(CKR.CKR_OK),
            "C_EncryptInit(public key) after C_Logout voided the operation on the private key");
        var output = new byte[16];
        ulong len = (ulong)output.Length;
        Assert.That(Module.Low.C_Encrypt(s, new byte[16], 16, output, ref len), Is.EqualTo(CKR.CKR_OK), "the new operation runs");
    }

    /// <summary>A NULL pParameter with a length is a fault of the mechanism's parameter: CKR_MECHANISM_PARAM_INVALID,
    /// which every *Init lists (§5.8 lists no CKR_ARGUMENTS_BAD for C_EncryptInit) (found with seed 3, malformed).</summary>
    [Test]
    public void A_NULL_mechanism_parameter_with_a_length_is_CKR_MECHANISM_PARAM_INVALID()
    {
        ulong s = P11.OpenRw();
        ulong key = AesKey(s, isPrivate: false);
        var cbc = new CK_MECHANISM { Mechanism = (ulong)CKM.CKM_AES_CBC, Parameter = IntPtr.Zero, ParameterLen = 16 };
        Assert.That(Module.Low.C_EncryptInit(s, ref cbc, key), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "C_EncryptInit");
        Assert.That(Module.Low.C_DecryptInit(s, ref cbc, key), Is.EqualTo(CKR.CKR_MECHANISM_PARAM_INVALID), "C_DecryptInit");
        ulong len = 0;
        Assert.That(Module.Low.C_EncryptFinal(s, null, ref len), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "nothing was started");
    }

    /// <summary>Raw RSA (CKM_RSA_X_509) of empty data, 0, 1 or n - 1: BouncyCastle's engine refuses these fixed points
    /// of every RSA key with an exception that crossed the boundary as CKR_GENERAL_ERROR. They are the input's fault:
    /// CKR_DATA_INVALID for C_Sign, C_SignRecover and C_Encrypt, CKR_SIGNATURE_INVALID for C_Verify and
    /// C_VerifyRecover, CKR_ENCRYPTED_DATA_INVALID for C_Decrypt, each in its function's list (found with seed 6,
    /// both modes).</summary>
    [Test]
    public void Raw_RSA_of_a_value_every_key_maps_to_itself_is_refused_as_the_input_s_fault()
    {
        ulong s = P11.OpenRw();
        P11.LoginUser(s);
        using var pubT = new NativeTemplate([Attr.Token(false), Attr.ULong(CKA.CKA_MODULUS_BITS, 2048), Attr.Bool(CKA.CKA_ENCRYPT, true),
            Attr.Bool(CKA.CKA_VERIFY, true), Attr.Bool(CKA.CKA_VERIFY_RECOVER, true)]);
        using var privT = new NativeTemplate([Attr.Token(false), Attr.Bool(CKA.CKA_SIGN, true), Attr.Bool(CKA.CKA_SIGN_RECOVER, true),
            Attr.Bool(CKA.CKA_DECRYPT, true)]);
        using var gen = new NativeMechanism((ulong)CKM.CKM_RSA_PKCS_KEY_PAIR_GEN);
        ulong pub = 0, priv = 0;
        P11.Ok(Module.Low.C_GenerateKeyPair(s, ref gen.Value, pubT.Attributes, pubT.Count, privT.Attributes, privT.Count, ref pub, ref priv),
            "C_GenerateKeyPair(RSA-2048)");
        using var x509 = new NativeMechanism((ulong)CKM.CKM_RSA_X_509);
        var modulus = P11.Get(s, pub, CKA.CKA_MODULUS);
        var nMinus1 = (byte[])modulus.Clone();
        nMinus1[^1] -= 1; // n is odd
        var output = new byte[256];
        foreach (var (name, data) in new[] { ("empty", Array.Empty<byte>()), ("0", new byte[256]), ("1", new byte[] { 1 }), ("n - 1", nMinus1) })
        {
            ulong len = (ulong)output.Length;
            P11.Ok(Module.Low.C_SignInit(s, ref x509.Value, priv), "C_SignInit");
            Assert.That(Module.Low.C_Sign(s, data, (ulong)data.Length, output, ref len), Is.EqualTo(CKR.CKR_DATA_INVALID), $"C_Sign({name})");
            len = (ulong)output.Length;
            P11.Ok(Module.Low.C_SignRecoverInit(s, ref x509.Value, priv), "C_SignRecoverInit");
            Assert.That(Module.Low.C_SignRecover(s, data, (ulong)data.Length, output, ref len), Is.EqualTo(CKR.CKR_DATA_INVALID), $"C_SignRecover({name})");
            len = (ulong)output.Length;
            P11.Ok(Module.Low.C_EncryptInit(s, ref x509.Value, pub), "C_EncryptInit");
            Assert.That(Module.Low.C_Encrypt(s, data, (ulong)data.Length, output, ref len), Is.EqualTo(CKR.CKR_DATA_INVALID), $"C_Encrypt({name})");
            if (data.Length != 256)
                continue; // a signature and a ciphertext are k bytes
            P11.Ok(Module.Low.C_VerifyInit(s, ref x509.Value, pub), "C_VerifyInit");
            Assert.That(Module.Low.C_Verify(s, [7], 1, data, (ulong)data.Length), Is.EqualTo(CKR.CKR_SIGNATURE_INVALID), $"C_Verify(signature {name})");
            len = (ulong)output.Length;
            P11.Ok(Module.Low.C_VerifyRecoverInit(s, ref x509.Value, pub), "C_VerifyRecoverInit");
            Assert.That(Module.Low.C_VerifyRecover(s, data, (ulong)data.Length, output, ref len), Is.EqualTo(CKR.CKR_SIGNATURE_INVALID),
                $"C_VerifyRecover(signature {name})");
            len = (ulong)output.Length;
            P11.Ok(Module.Low.C_DecryptInit(s, ref x509.Value, priv), "C_DecryptInit");
            Assert.That(Module.Low.C_Decrypt(s, data, (ulong)data.Length, output, ref len), Is.EqualTo(CKR.CKR_ENCRYPTED_DATA_INVALID),
                $"C_Decrypt(ciphertext {name})");
        }
    }

    /// <summary>A key without CKA_WRAP_TEMPLATE holds it as an empty array: C_GetAttributeValue answered
    /// CKR_ATTRIBUTE_VALUE_INVALID, a code §5.7 does not list for it, and left the other attributes unprocessed
    /// (found with seed 2, wellformed; also found by tests/CloudHsm.Fuzz).</summary>
    [Test]
    public void A_key_without_attribute_templates_reads_them_as_empty_arrays()
    {
        ulong s = P11.OpenRw();
        ulong key = AesKey(s, isPrivate: false);
        using var t = NativeTemplate.ForRead(CKA.CKA_WRAP_TEMPLATE, CKA.CKA_UNWRAP_TEMPLATE, CKA.CKA_DERIVE_TEMPLATE, CKA.CKA_KEY_TYPE);
        Assert.That(Module.Low.C_GetAttributeValue(s, key, t.Attributes, t.Count), Is.EqualTo(CKR.CKR_OK), "C_GetAttributeValue");
        Assert.That(t.Attributes.Select(a => a.valueLen), Is.EqualTo(new ulong[] { 0, 0, 0, 8 }), "lengths");
    }
}
