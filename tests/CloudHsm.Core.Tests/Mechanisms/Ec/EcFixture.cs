using System.Formats.Asn1;
using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Tests.Embedded;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Ec;

/// <summary>An embedded backend with a logged-in user session, and EC templates and helpers.</summary>
public abstract class EcFixture : EmbeddedBackendFixture
{
    protected ulong Session { get; private set; }

    [SetUp]
    public void OpenUserSession()
    {
        Session = OpenRw();
        Backend.Login(Session, CKU.CKU_USER, UserPin);
    }

    protected static byte[] Oid(string oid)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.WriteObjectIdentifier(oid);
        return w.Encode();
    }

    protected static byte[] CurveName(string name)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        w.WriteCharacterString(UniversalTagNumber.PrintableString, name);
        return w.Encode();
    }

    protected static readonly byte[] P256 = Oid("1.2.840.10045.3.1.7");
    protected static readonly byte[] P384 = Oid("1.3.132.0.34");
    protected static readonly byte[] P521 = Oid("1.3.132.0.35");
    protected static readonly byte[] Secp256k1 = Oid("1.3.132.0.10");
    protected static readonly byte[] Ed25519 = Oid("1.3.101.112");
    protected static readonly byte[] Ed448 = Oid("1.3.101.113");
    protected static readonly byte[] X25519 = Oid("1.3.101.110");
    protected static readonly byte[] X448 = Oid("1.3.101.111");

    protected static ECCurve DotNetCurve(byte[] ecParams) => CloudHsm.Core.Mechanisms.Ec.EcParams.Parse(ecParams).DotNetCurve;

    protected static Template PublicTemplate(CKK keyType, byte[] ecParams, byte[]? point = null, params TemplateAttribute[] extra) => new(
    [
        TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_PUBLIC_KEY),
        TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)keyType),
        TemplateAttribute.Bool(CKA.CKA_VERIFY, true),
        new(CKA.CKA_EC_PARAMS, ecParams),
        .. point is null ? Array.Empty<TemplateAttribute>() : [new TemplateAttribute(CKA.CKA_EC_POINT, point)],
        .. extra,
    ]);

    protected static Template PrivateTemplate(CKK keyType, byte[]? ecParams = null, byte[]? value = null, params TemplateAttribute[] extra) => new(
    [
        TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_PRIVATE_KEY),
        TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)keyType),
        TemplateAttribute.Bool(CKA.CKA_PRIVATE, true),
        TemplateAttribute.Bool(CKA.CKA_SIGN, true),
        TemplateAttribute.Bool(CKA.CKA_DERIVE, true),
        .. ecParams is null ? Array.Empty<TemplateAttribute>() : [new TemplateAttribute(CKA.CKA_EC_PARAMS, ecParams)],
        .. value is null ? Array.Empty<TemplateAttribute>() : [new TemplateAttribute(CKA.CKA_VALUE, value)],
        .. extra,
    ]);

    protected static readonly Template GenPrivate = new(
    [
        TemplateAttribute.Bool(CKA.CKA_PRIVATE, true),
        TemplateAttribute.Bool(CKA.CKA_SIGN, true),
        TemplateAttribute.Bool(CKA.CKA_DERIVE, true),
        TemplateAttribute.Bool(CKA.CKA_SENSITIVE, true),
        TemplateAttribute.Bool(CKA.CKA_EXTRACTABLE, false),
    ]);

    protected (ulong Public, ulong Private) Generate(CKM mechanism, byte[] ecParams) =>
        Backend.GenerateKeyPair(Session, new Mechanism(mechanism), new Template(
        [
            TemplateAttribute.Bool(CKA.CKA_VERIFY, true),
            new(CKA.CKA_EC_PARAMS, ecParams),
        ]), GenPrivate);

    protected byte[] Read(ulong handle, CKA type)
    {
        var read = Backend.GetAttributeValue(Session, handle, [type])[0];
        Assert.That(read.Status, Is.EqualTo(AttributeReadStatus.Ok), $"{type}");
        return read.Value!;
    }

    /// <summary>The DER OCTET STRING around <paramref name="content"/> (content under 256 bytes).</summary>
    protected static byte[] OctetString(byte[] content) =>
        content.Length < 0x80 ? [0x04, (byte)content.Length, .. content] : [0x04, 0x81, (byte)content.Length, .. content];

    /// <summary>The content of a DER OCTET STRING.</summary>
    protected static byte[] Unwrap(byte[] der) => AsnDecoder.ReadOctetString(der, AsnEncodingRules.DER, out _);

    /// <summary>A .NET public key from a token public key's CKA_EC_POINT.</summary>
    protected ECParameters PublicParameters(ulong publicKey, byte[] ecParams)
    {
        byte[] point = Unwrap(Read(publicKey, CKA.CKA_EC_POINT));
        int n = (point.Length - 1) / 2;
        return new ECParameters { Curve = DotNetCurve(ecParams), Q = new ECPoint { X = point[1..(1 + n)], Y = point[(1 + n)..] } };
    }

    protected byte[] Sign(CKM mechanism, ulong key, byte[] data, MechanismParameter? parameter = null)
    {
        Backend.SignInit(Session, new Mechanism(mechanism, parameter), key);
        int n = Backend.Sign(Session, data, [], sizeQuery: true);
        var sig = new byte[n];
        n = Backend.Sign(Session, data, sig, sizeQuery: false);
        return sig[..n];
    }

    protected void Verify(CKM mechanism, ulong key, byte[] data, byte[] signature, MechanismParameter? parameter = null)
    {
        Backend.VerifyInit(Session, new Mechanism(mechanism, parameter), key);
        Backend.Verify(Session, data, signature);
    }

    protected CKR VerifyRv(CKM mechanism, ulong key, byte[] data, byte[] signature, MechanismParameter? parameter = null)
    {
        try
        {
            Verify(mechanism, key, data, signature, parameter);
            return CKR.CKR_OK;
        }
        catch (Errors.CkrException e)
        {
            return e.Rv;
        }
    }
}
