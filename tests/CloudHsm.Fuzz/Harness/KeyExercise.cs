using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Mechanisms.Ec;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Fuzz.Harness;

/// <summary>
/// What a consumer does with an object it just made: read every attribute, copy it, and use it the way
/// its class and key type allow — which is when the core parses key material (C_CreateObject stores it
/// unparsed; RsaKey / ParsedEcKeys read it at first use) — then wrap it. Each step may be refused; a
/// refusal ends that step only.
/// </summary>
internal static class KeyExercise
{
    private static readonly CKA[] AllTypes = NativeFuzz.KnownTypes;
    public static readonly byte[] Data = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    public static void Run(Hsm hsm, ulong handle)
    {
        var backend = hsm.Backend;
        ulong session = hsm.Session;
        var reads = backend.GetAttributeValue(session, handle, AllTypes);
        backend.GetObjectSize(session, handle);
        ulong copy = 0;
        if (Hsm.Try(() => copy = backend.CopyObject(session, handle, Template.Empty)))
            hsm.Track(copy);

        var objectClass = (CKO?)ULongOf(reads, CKA.CKA_CLASS);
        var keyType = (CKK?)ULongOf(reads, CKA.CKA_KEY_TYPE);
        switch (objectClass, keyType)
        {
            case (CKO.CKO_SECRET_KEY, CKK.CKK_AES):
                Hsm.Try(() => EncryptDecrypt(hsm, new Mechanism(CKM.CKM_AES_ECB), handle, handle, Data));
                Hsm.Try(() => SignVerify(hsm, new Mechanism(CKM.CKM_AES_CMAC), handle, handle));
                break;
            case (CKO.CKO_SECRET_KEY, _):
                Hsm.Try(() => SignVerify(hsm, new Mechanism(CKM.CKM_SHA256_HMAC), handle, handle));
                break;
            case (CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA):
                Hsm.Try(() => SignVerify(hsm, new Mechanism(CKM.CKM_SHA256_RSA_PKCS), handle, hsm.Rsa.Public));
                Hsm.Try(() => EncryptDecrypt(hsm, new Mechanism(CKM.CKM_RSA_PKCS), hsm.Rsa.Public, handle, Data));
                break;
            case (CKO.CKO_PUBLIC_KEY, CKK.CKK_RSA):
                Hsm.Try(() => SignVerify(hsm, new Mechanism(CKM.CKM_SHA256_RSA_PKCS), hsm.Rsa.Private, handle));
                Hsm.Try(() => EncryptDecrypt(hsm, new Mechanism(CKM.CKM_RSA_PKCS), handle, hsm.Rsa.Private, Data));
                break;
            case (CKO.CKO_PRIVATE_KEY, CKK.CKK_EC):
                Hsm.Try(() => SignVerify(hsm, new Mechanism(CKM.CKM_ECDSA), handle, hsm.Ec.Public));
                Hsm.Try(() => Derive(hsm, handle, hsm.EcPoint));
                break;
            case (CKO.CKO_PUBLIC_KEY, CKK.CKK_EC):
                Hsm.Try(() => SignVerify(hsm, new Mechanism(CKM.CKM_ECDSA), hsm.Ec.Private, handle));
                break;
            case (CKO.CKO_PRIVATE_KEY, CKK.CKK_EC_EDWARDS):
                Hsm.Try(() => SignVerify(hsm, new Mechanism(CKM.CKM_EDDSA), handle, hsm.Ed25519.Public));
                break;
            case (CKO.CKO_PUBLIC_KEY, CKK.CKK_EC_EDWARDS):
                Hsm.Try(() => SignVerify(hsm, new Mechanism(CKM.CKM_EDDSA), hsm.Ed25519.Private, handle));
                break;
            case (CKO.CKO_PRIVATE_KEY, CKK.CKK_EC_MONTGOMERY):
                Hsm.Try(() => Derive(hsm, handle, new byte[32]));
                break;
        }
        if (objectClass is CKO.CKO_SECRET_KEY or CKO.CKO_PRIVATE_KEY)
            Hsm.Try(() => Wrap(hsm, handle));
    }

    private static ulong? ULongOf(AttributeRead[] reads, CKA type) =>
        Array.Find(reads, r => r.Type == type) is { Status: AttributeReadStatus.Ok, Value: { Length: 8 } value }
            ? BitConverter.ToUInt64(value) : null;

    /// <summary>Signs with <paramref name="signer"/> and verifies with <paramref name="verifier"/>: either
    /// may be the fuzzed key, so a mismatching pair is an ordinary CKR_SIGNATURE_INVALID.</summary>
    public static void SignVerify(Hsm hsm, Mechanism mechanism, ulong signer, ulong verifier)
    {
        var backend = hsm.Backend;
        byte[] signature = new byte[512];
        int length = 0;
        if (Hsm.Try(() =>
            {
                backend.SignInit(hsm.Session, mechanism, signer);
                int needed = backend.Sign(hsm.Session, Data, default, sizeQuery: true);
                signature = new byte[needed];
                length = backend.Sign(hsm.Session, Data, signature, sizeQuery: false);
            }))
            signature = signature[..length];
        backend.VerifyInit(hsm.Session, mechanism, verifier);
        backend.Verify(hsm.Session, Data, signature);
    }

    public static void EncryptDecrypt(Hsm hsm, Mechanism mechanism, ulong encryptor, ulong decryptor, byte[] data)
    {
        var backend = hsm.Backend;
        byte[] ciphertext = new byte[512];
        int length = ciphertext.Length;
        if (Hsm.Try(() =>
            {
                backend.EncryptInit(hsm.Session, mechanism, encryptor);
                ciphertext = new byte[backend.Encrypt(hsm.Session, data, default, sizeQuery: true)];
                length = backend.Encrypt(hsm.Session, data, ciphertext, sizeQuery: false);
            }))
            ciphertext = ciphertext[..length];
        backend.DecryptInit(hsm.Session, mechanism, decryptor);
        var plaintext = new byte[backend.Decrypt(hsm.Session, ciphertext, default, sizeQuery: true)];
        backend.Decrypt(hsm.Session, ciphertext, plaintext, sizeQuery: false);
    }

    private static void Derive(Hsm hsm, ulong baseKey, byte[] publicData)
    {
        var derived = hsm.Backend.DeriveKey(hsm.Session,
            new Mechanism(CKM.CKM_ECDH1_DERIVE, new Ecdh1DeriveParameters(CKD.CKD_NULL, [], publicData)), baseKey, DerivedSecret);
        hsm.Track(derived.Key);
    }

    private static void Wrap(Hsm hsm, ulong key)
    {
        var kwp = new Mechanism(CKM.CKM_AES_KEY_WRAP_KWP);
        int length = hsm.Backend.WrapKey(hsm.Session, kwp, hsm.AesKey, key, default, sizeQuery: true);
        var wrapped = new byte[length];
        length = hsm.Backend.WrapKey(hsm.Session, kwp, hsm.AesKey, key, wrapped, sizeQuery: false);
        ulong unwrapped = hsm.Backend.UnwrapKey(hsm.Session, kwp, hsm.AesKey, wrapped.AsSpan(0, length), new Template(
        [
            .. hsm.Backend.GetAttributeValue(hsm.Session, key, [CKA.CKA_CLASS, CKA.CKA_KEY_TYPE])
                .Select(r => new TemplateAttribute(r.Type, r.Value ?? [])),
        ]));
        hsm.Track(unwrapped);
    }

    /// <summary>The template of a derived key: a 32-byte generic secret.</summary>
    public static readonly Template DerivedSecret = new(
    [
        TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY),
        TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)CKK.CKK_GENERIC_SECRET),
        TemplateAttribute.ULong(CKA.CKA_VALUE_LEN, 32),
        TemplateAttribute.Bool(CKA.CKA_SIGN, true),
    ]);
}
