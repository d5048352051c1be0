using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Mechanisms.Rsa;
using CloudHsm.Core.Tests.Embedded;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Rsa;

/// <summary>An embedded backend with a user session and one imported RSA-2048 key pair.</summary>
public abstract class RsaFixture : EmbeddedBackendFixture
{
    /// <summary>One key for the whole run: generating RSA keys is slow.</summary>
    protected static readonly RSAParameters Key = CreateKey(2048);

    protected ulong Session { get; private set; }
    protected ulong PrivateKey { get; private set; }
    protected ulong PublicKey { get; private set; }

    protected static RSAParameters CreateKey(int bits)
    {
        using var rsa = RSA.Create(bits);
        return rsa.ExportParameters(true);
    }

    [SetUp]
    public void OpenUserSessionWithKeys()
    {
        Session = OpenRw();
        Backend.Login(Session, CKU.CKU_USER, UserPin);
        PrivateKey = Backend.CreateObject(Session, PrivateTemplate(Key));
        PublicKey = Backend.CreateObject(Session, PublicTemplate(Key));
    }

    protected static Template PublicTemplate(RSAParameters p, params TemplateAttribute[] extra) => Replace(
    [
        TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_PUBLIC_KEY),
        TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)CKK.CKK_RSA),
        TemplateAttribute.Bool(CKA.CKA_VERIFY, true),
        TemplateAttribute.Bool(CKA.CKA_ENCRYPT, true),
        TemplateAttribute.Bool(CKA.CKA_VERIFY_RECOVER, true),
        new(CKA.CKA_MODULUS, p.Modulus!),
        new(CKA.CKA_PUBLIC_EXPONENT, p.Exponent!),
    ], extra);

    protected static Template PrivateTemplate(RSAParameters p, params TemplateAttribute[] extra) => Replace(
    [
        TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_PRIVATE_KEY),
        TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)CKK.CKK_RSA),
        TemplateAttribute.Bool(CKA.CKA_PRIVATE, true),
        TemplateAttribute.Bool(CKA.CKA_SIGN, true),
        TemplateAttribute.Bool(CKA.CKA_DECRYPT, true),
        TemplateAttribute.Bool(CKA.CKA_SIGN_RECOVER, true),
        new(CKA.CKA_MODULUS, p.Modulus!),
        new(CKA.CKA_PUBLIC_EXPONENT, p.Exponent!),
        new(CKA.CKA_PRIVATE_EXPONENT, p.D!),
        new(CKA.CKA_PRIME_1, p.P!),
        new(CKA.CKA_PRIME_2, p.Q!),
        new(CKA.CKA_EXPONENT_1, p.DP!),
        new(CKA.CKA_EXPONENT_2, p.DQ!),
        new(CKA.CKA_COEFFICIENT, p.InverseQ!),
    ], extra);

    /// <summary>The base attributes with <paramref name="extra"/> replacing any of the same type.</summary>
    private static Template Replace(TemplateAttribute[] baseAttributes, TemplateAttribute[] extra) =>
        new([.. baseAttributes.Where(a => !extra.Any(e => e.Type == a.Type)), .. extra]);

    protected static RSA DotNet(RSAParameters p)
    {
        var rsa = RSA.Create();
        rsa.ImportParameters(p);
        return rsa;
    }

    protected static Mechanism Mech(CKM type, MechanismParameter? parameter = null) => new(type, parameter);

    protected static RsaPssParameter Pss(CKM hash, CKG mgf, ulong saltLength) => new((ulong)hash, (ulong)mgf, saltLength);

    protected static RsaOaepParameter Oaep(CKM hash, CKG mgf, byte[]? label = null) =>
        new((ulong)hash, (ulong)mgf, (ulong)CKZ.CKZ_DATA_SPECIFIED, label ?? []);

    protected byte[] Sign(Mechanism mechanism, byte[] data, ulong? key = null, ulong? session = null)
    {
        ulong s = session ?? Session;
        Backend.SignInit(s, mechanism, key ?? PrivateKey);
        var signature = new byte[Backend.Sign(s, data, default, sizeQuery: true)];
        return signature[..Backend.Sign(s, data, signature, sizeQuery: false)];
    }

    protected void Verify(Mechanism mechanism, byte[] data, byte[] signature, ulong? key = null)
    {
        Backend.VerifyInit(Session, mechanism, key ?? PublicKey);
        Backend.Verify(Session, data, signature);
    }

    protected byte[] Encrypt(Mechanism mechanism, byte[] data, ulong? key = null)
    {
        Backend.EncryptInit(Session, mechanism, key ?? PublicKey);
        var output = new byte[Backend.Encrypt(Session, data, default, sizeQuery: true)];
        return output[..Backend.Encrypt(Session, data, output, sizeQuery: false)];
    }

    protected byte[] Decrypt(Mechanism mechanism, byte[] data, ulong? key = null)
    {
        Backend.DecryptInit(Session, mechanism, key ?? PrivateKey);
        var output = new byte[Backend.Decrypt(Session, data, default, sizeQuery: true)];
        return output[..Backend.Decrypt(Session, data, output, sizeQuery: false)];
    }

    protected byte[] Attribute(ulong obj, CKA type) => Backend.GetAttributeValue(Session, obj, [type])[0].Value!;
}
