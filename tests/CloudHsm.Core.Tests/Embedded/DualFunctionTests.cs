using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Embedded;

/// <summary>C_DigestEncryptUpdate and C_DecryptDigestUpdate: the digest half always sees the plaintext.</summary>
[TestFixture]
public sealed class DualFunctionTests : EmbeddedBackendFixture
{
    [Test]
    public void TheDigestHalfSeesThePlaintextBothWays()
    {
        ulong rw = OpenRw();
        Backend.Login(rw, CKU.CKU_USER, UserPin);
        ulong key = Backend.CreateObject(rw, new Template(
        [
            TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY),
            TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)CKK.CKK_AES),
            new TemplateAttribute(CKA.CKA_VALUE, RandomNumberGenerator.GetBytes(32)),
        ]));
        var ecb = new Mechanism(CKM.CKM_AES_ECB);
        byte[] plain = RandomNumberGenerator.GetBytes(64);
        byte[] expected = SHA256.HashData(plain);

        Backend.DigestInit(rw, new Mechanism(CKM.CKM_SHA256));
        Backend.EncryptInit(rw, ecb, key);
        var cipher = new byte[64];
        Assert.That(Backend.DigestEncryptUpdate(rw, plain, default, sizeQuery: true), Is.EqualTo(64));
        Assert.That(Backend.DigestEncryptUpdate(rw, plain, cipher, sizeQuery: false), Is.EqualTo(64));
        var digest = new byte[32];
        Backend.DigestFinal(rw, digest, false);
        Assert.That(digest, Is.EqualTo(expected), "a size query must not feed the digest");
        Backend.EncryptFinal(rw, new byte[16], false);

        Backend.DigestInit(rw, new Mechanism(CKM.CKM_SHA256));
        Backend.DecryptInit(rw, ecb, key);
        var back = new byte[64];
        Assert.That(Backend.DecryptDigestUpdate(rw, cipher, back, false), Is.EqualTo(64));
        Backend.DigestFinal(rw, digest, false);
        Assert.That(back, Is.EqualTo(plain));
        Assert.That(digest, Is.EqualTo(expected));
    }

    [Test]
    public void BothHalvesMustBeActive()
    {
        ulong rw = OpenRw();
        Assert.That(Rv(() => Backend.DigestEncryptUpdate(rw, new byte[16], new byte[16], false)),
            Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED));
    }
}
