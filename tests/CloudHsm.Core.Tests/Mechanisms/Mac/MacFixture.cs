using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Mechanisms.Mac;
using CloudHsm.Core.Tests.Embedded;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Mac;

/// <summary>A logged-in R/W session and helpers for MAC signing and key derivation through the backend.</summary>
public abstract class MacFixture : EmbeddedBackendFixture
{
    protected ulong Session { get; private set; }

    [SetUp]
    public void OpenUserSession()
    {
        Session = OpenRw();
        Backend.Login(Session, CKU.CKU_USER, UserPin);
    }

    protected static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    protected static byte[] Ascii(string text) => System.Text.Encoding.ASCII.GetBytes(text);

    protected static Mechanism M(CKM type, MechanismParameter? parameter = null) => new(type, parameter);

    protected static Mechanism General(CKM type, ulong length) => new(type, new MacGeneralParameter(length));

    /// <summary>A session secret key that may sign, verify and derive, readable unless made sensitive.</summary>
    protected ulong Key(CKK type, byte[] value, params TemplateAttribute[] extra)
    {
        var attributes = new List<TemplateAttribute>
        {
            TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY),
            TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)type),
            new(CKA.CKA_VALUE, value),
            TemplateAttribute.Bool(CKA.CKA_SIGN, true),
            TemplateAttribute.Bool(CKA.CKA_VERIFY, true),
            TemplateAttribute.Bool(CKA.CKA_DERIVE, true),
            TemplateAttribute.Bool(CKA.CKA_SENSITIVE, false),
        };
        attributes.RemoveAll(a => extra.Any(e => e.Type == a.Type));
        attributes.AddRange(extra);
        return Backend.CreateObject(Session, new Template(attributes));
    }

    protected ulong Generic(byte[] value, params TemplateAttribute[] extra) => Key(CKK.CKK_GENERIC_SECRET, value, extra);

    /// <summary>C_SignInit + size query + C_Sign: the size query must leave the operation active.</summary>
    protected byte[] Sign(Mechanism mechanism, ulong key, byte[] data)
    {
        Backend.SignInit(Session, mechanism, key);
        int size = Backend.Sign(Session, data, default, sizeQuery: true);
        var output = new byte[size];
        int n = Backend.Sign(Session, data, output, sizeQuery: false);
        return output[..n];
    }

    /// <summary>C_SignInit + C_SignUpdate per chunk + C_SignFinal.</summary>
    protected byte[] SignParts(Mechanism mechanism, ulong key, byte[] data, int chunk)
    {
        Backend.SignInit(Session, mechanism, key);
        for (int offset = 0; offset < data.Length; offset += chunk)
            Backend.SignUpdate(Session, data.AsSpan(offset, Math.Min(chunk, data.Length - offset)));
        var output = new byte[Backend.SignFinal(Session, default, sizeQuery: true)];
        int n = Backend.SignFinal(Session, output, sizeQuery: false);
        return output[..n];
    }

    protected void Verify(Mechanism mechanism, ulong key, byte[] data, byte[] signature)
    {
        Backend.VerifyInit(Session, mechanism, key);
        Backend.Verify(Session, data, signature);
    }

    protected void VerifyParts(Mechanism mechanism, ulong key, byte[] data, byte[] signature, int chunk)
    {
        Backend.VerifyInit(Session, mechanism, key);
        for (int offset = 0; offset < data.Length; offset += chunk)
            Backend.VerifyUpdate(Session, data.AsSpan(offset, Math.Min(chunk, data.Length - offset)));
        Backend.VerifyFinal(Session, signature);
    }

    /// <summary>A derive template for a readable key of the given type and length.</summary>
    protected static Template Derived(CKK type = CKK.CKK_GENERIC_SECRET, ulong? length = null, params TemplateAttribute[] extra)
    {
        var attributes = new List<TemplateAttribute>
        {
            TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY),
            TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)type),
            TemplateAttribute.Bool(CKA.CKA_SENSITIVE, false),
            TemplateAttribute.Bool(CKA.CKA_EXTRACTABLE, true),
        };
        if (length is ulong n)
            attributes.Add(TemplateAttribute.ULong(CKA.CKA_VALUE_LEN, n));
        attributes.RemoveAll(a => extra.Any(e => e.Type == a.Type));
        attributes.AddRange(extra);
        return new Template(attributes);
    }

    protected byte[] Read(ulong obj, CKA type)
    {
        var read = Backend.GetAttributeValue(Session, obj, [type])[0];
        Assert.That(read.Status, Is.EqualTo(AttributeReadStatus.Ok), $"{type} is readable");
        return read.Value!;
    }

    protected bool ReadBool(ulong obj, CKA type) => Read(obj, type) is [1];

    protected ulong ReadULong(ulong obj, CKA type) => AttributeValues.ToULong(type, Read(obj, type));
}
