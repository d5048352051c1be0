using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Mechanisms.Mac.Kdf;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Mac;

/// <summary>CKM_HKDF_DERIVE with CKF_HKDF_SALT_KEY: the salt is hSaltKey's CKA_VALUE, resolved by the backend
/// under the session's rules.</summary>
public class HkdfSaltKeyTests : MacFixture
{
    private static Mechanism WithSaltKey(ulong handle, bool extract = true, bool expand = true) =>
        new(CKM.CKM_HKDF_DERIVE, new HkdfParameter(extract, expand, (ulong)CKM.CKM_SHA256, HkdfSaltType.Key, [], handle, [1, 2, 3]));

    private static Mechanism WithSaltData(byte[] salt, bool expand = true) =>
        new(CKM.CKM_HKDF_DERIVE, new HkdfParameter(true, expand, (ulong)CKM.CKM_SHA256, HkdfSaltType.Data, salt, 0, [1, 2, 3]));

    [Test]
    public void A_salt_key_gives_the_same_key_as_its_bytes_as_data()
    {
        byte[] ikm = RandomNumberGenerator.GetBytes(32), salt = RandomNumberGenerator.GetBytes(24);
        ulong baseKey = Generic(ikm), saltKey = Generic(salt);
        ulong fromKey = Backend.DeriveKey(Session, WithSaltKey(saltKey), baseKey, Derived(length: 42)).Key;
        ulong fromData = Backend.DeriveKey(Session, WithSaltData(salt), baseKey, Derived(length: 42)).Key;
        Assert.That(Read(fromKey, CKA.CKA_VALUE), Is.EqualTo(Read(fromData, CKA.CKA_VALUE)));
        Assert.That(Read(fromKey, CKA.CKA_VALUE), Is.EqualTo(HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 42, salt, [1, 2, 3])), ".NET HKDF");

        ulong extracted = Backend.DeriveKey(Session, WithSaltKey(saltKey, expand: false), baseKey, Derived()).Key;
        Assert.That(Read(extracted, CKA.CKA_VALUE), Is.EqualTo(HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt)), "extract only");
    }

    [Test]
    public void An_HKDF_key_is_a_salt_key_too()
    {
        byte[] ikm = RandomNumberGenerator.GetBytes(32), salt = RandomNumberGenerator.GetBytes(32);
        ulong fromKey = Backend.DeriveKey(Session, WithSaltKey(Key(CKK.CKK_HKDF, salt)), Generic(ikm), Derived(length: 16)).Key;
        Assert.That(Read(fromKey, CKA.CKA_VALUE), Is.EqualTo(HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 16, salt, [1, 2, 3])));
    }

    [Test]
    public void A_salt_key_handle_that_names_no_usable_key_is_refused()
    {
        ulong baseKey = Generic(RandomNumberGenerator.GetBytes(32));
        Assert.That(Rv(() => Backend.DeriveKey(Session, WithSaltKey(0x7FFF_FFF0), baseKey, Derived(length: 16))),
            Is.EqualTo(CKR.CKR_KEY_HANDLE_INVALID), "no such object");
        ulong aes = Key(CKK.CKK_AES, new byte[16]);
        Assert.That(Rv(() => Backend.DeriveKey(Session, WithSaltKey(aes), baseKey, Derived(length: 16))),
            Is.EqualTo(CKR.CKR_KEY_TYPE_INCONSISTENT), "an AES key");
        ulong noDerive = Generic(new byte[16], TemplateAttribute.Bool(CKA.CKA_DERIVE, false));
        Assert.That(Rv(() => Backend.DeriveKey(Session, WithSaltKey(noDerive), baseKey, Derived(length: 16))),
            Is.EqualTo(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED), "CKA_DERIVE false");
    }

    [Test]
    public void A_private_salt_key_is_invisible_after_logout()
    {
        ulong baseKey = Generic(RandomNumberGenerator.GetBytes(32), TemplateAttribute.Bool(CKA.CKA_PRIVATE, false));
        ulong saltKey = Generic(RandomNumberGenerator.GetBytes(32), TemplateAttribute.Bool(CKA.CKA_PRIVATE, true));
        Backend.Logout(Session);
        Assert.That(Rv(() => Backend.DeriveKey(Session, WithSaltKey(saltKey), baseKey,
            Derived(length: 16, extra: TemplateAttribute.Bool(CKA.CKA_PRIVATE, false)))), Is.EqualTo(CKR.CKR_KEY_HANDLE_INVALID));
    }

    [Test]
    public void The_salt_key_is_not_looked_up_without_extraction()
    {
        ulong prk = Generic(RandomNumberGenerator.GetBytes(32));
        Assert.DoesNotThrow(() => Backend.DeriveKey(Session, WithSaltKey(0x7FFF_FFF0, extract: false), prk, Derived(length: 16)));
    }
}
