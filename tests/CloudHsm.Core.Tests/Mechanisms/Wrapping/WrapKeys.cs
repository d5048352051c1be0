using System.Formats.Asn1;
using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Objects;
using CloudHsm.Core.Tests.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Mechanisms.Wrapping;

/// <summary>Key objects for the wrapping tests, built the way C_CreateObject builds them.</summary>
internal static class WrapKeys
{
    public static HsmObject Aes(byte[] value, params TemplateAttribute[] extra) =>
        Secret(CKK.CKK_AES, value, extra);

    public static HsmObject Secret(CKK keyType, byte[] value, params TemplateAttribute[] extra) => ObjectEngine.Create(
        T.Of([T.Class(CKO.CKO_SECRET_KEY), T.KeyType(keyType), T.Bytes(CKA.CKA_VALUE, value), .. extra]), ObjectContext.User);

    public static HsmObject Rsa(RSAParameters p, params TemplateAttribute[] extra) => ObjectEngine.Create(T.Of(
    [
        T.Class(CKO.CKO_PRIVATE_KEY), T.KeyType(CKK.CKK_RSA),
        T.Bytes(CKA.CKA_MODULUS, p.Modulus!), T.Bytes(CKA.CKA_PUBLIC_EXPONENT, p.Exponent!),
        T.Bytes(CKA.CKA_PRIVATE_EXPONENT, p.D!), T.Bytes(CKA.CKA_PRIME_1, p.P!), T.Bytes(CKA.CKA_PRIME_2, p.Q!),
        T.Bytes(CKA.CKA_EXPONENT_1, p.DP!), T.Bytes(CKA.CKA_EXPONENT_2, p.DQ!), T.Bytes(CKA.CKA_COEFFICIENT, p.InverseQ!),
        .. extra,
    ]), ObjectContext.User);

    public static HsmObject RsaPublic(RSAParameters p) => ObjectEngine.Create(T.Of(
        T.Class(CKO.CKO_PUBLIC_KEY), T.KeyType(CKK.CKK_RSA),
        T.Bytes(CKA.CKA_MODULUS, p.Modulus!), T.Bytes(CKA.CKA_PUBLIC_EXPONENT, p.Exponent!)), ObjectContext.User);

    public static HsmObject Ec(string curveOid, byte[] d) => Curve(CKK.CKK_EC, NamedCurve(curveOid), d);

    public static HsmObject Curve(CKK keyType, byte[] ecParams, byte[] value) => ObjectEngine.Create(T.Of(
        T.Class(CKO.CKO_PRIVATE_KEY), T.KeyType(keyType), T.Bytes(CKA.CKA_EC_PARAMS, ecParams), T.Bytes(CKA.CKA_VALUE, value)),
        ObjectContext.User);

    public static byte[] NamedCurve(string oid)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteObjectIdentifier(oid);
        return writer.Encode();
    }

    public static byte[] PrintableName(string name)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(UniversalTagNumber.PrintableString, name);
        return writer.Encode();
    }

    public static Template UnwrapTemplate(CKO objectClass, CKK keyType, params TemplateAttribute[] extra) =>
        T.Of([T.Class(objectClass), T.KeyType(keyType), .. extra]);

    public static byte[] Value(HsmObject key, CKA type) => key.GetValue(type).ToArray();
}
