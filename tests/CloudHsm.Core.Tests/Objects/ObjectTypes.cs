using CloudHsm.Core.Attributes;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Objects;

/// <summary>An object type under test with the smallest template C_CreateObject accepts for it:
/// exactly the attributes the spec (and this token) require.</summary>
public sealed record ObjectType(string Name, Template Minimal)
{
    public override string ToString() => Name;
}

/// <summary>The object types the tests drive, each with a minimal create template.</summary>
public static class ObjectTypes
{
    public static readonly byte[] Modulus2048 = [0xC1, .. T.Repeat(0x5A, 255)];
    public static readonly byte[] P256Params = T.Hex("06082A8648CE3D030107");
    public static readonly byte[] AesKey = T.Repeat(0x11, 32);
    public static readonly byte[] Des3Key = T.Hex("0123456789ABCDEFFEDCBA987654321089ABCDEF01234567");

    public static readonly ObjectType Data = new("DATA", T.Of(T.Class(CKO.CKO_DATA)));

    public static readonly ObjectType X509 = new("X509", T.Of(
        T.Class(CKO.CKO_CERTIFICATE),
        T.ULong(CKA.CKA_CERTIFICATE_TYPE, (ulong)CKC.CKC_X_509),
        T.Bytes(CKA.CKA_SUBJECT, 0x30, 0x00),
        T.Bytes(CKA.CKA_VALUE, 0x30, 0x03, 0x02, 0x01, 0x01)));

    public static readonly ObjectType RsaPublic = new("RSA-PUB", T.Of(
        T.Class(CKO.CKO_PUBLIC_KEY), T.KeyType(CKK.CKK_RSA),
        T.Bytes(CKA.CKA_MODULUS, Modulus2048),
        T.Bytes(CKA.CKA_PUBLIC_EXPONENT, 0x01, 0x00, 0x01)));

    public static readonly ObjectType RsaPrivate = new("RSA-PRIV", T.Of(
        T.Class(CKO.CKO_PRIVATE_KEY), T.KeyType(CKK.CKK_RSA),
        T.Bytes(CKA.CKA_MODULUS, Modulus2048),
        T.Bytes(CKA.CKA_PUBLIC_EXPONENT, 0x01, 0x00, 0x01),
        T.Bytes(CKA.CKA_PRIVATE_EXPONENT, T.Repeat(0x21, 256)),
        T.Bytes(CKA.CKA_PRIME_1, T.Repeat(0x31, 128)),
        T.Bytes(CKA.CKA_PRIME_2, T.Repeat(0x41, 128)),
        T.Bytes(CKA.CKA_EXPONENT_1, T.Repeat(0x51, 128)),
        T.Bytes(CKA.CKA_EXPONENT_2, T.Repeat(0x61, 128)),
        T.Bytes(CKA.CKA_COEFFICIENT, T.Repeat(0x71, 128))));

    public static ObjectType EcPublic(CKK keyType, string name) => new(name, T.Of(
        T.Class(CKO.CKO_PUBLIC_KEY), T.KeyType(keyType),
        T.Bytes(CKA.CKA_EC_PARAMS, P256Params),
        T.Bytes(CKA.CKA_EC_POINT, [0x04, 0x41, 0x04, .. T.Repeat(0x07, 64)])));

    public static ObjectType EcPrivate(CKK keyType, string name) => new(name, T.Of(
        T.Class(CKO.CKO_PRIVATE_KEY), T.KeyType(keyType),
        T.Bytes(CKA.CKA_EC_PARAMS, P256Params),
        T.Bytes(CKA.CKA_VALUE, T.Repeat(0x09, 32))));

    public static ObjectType Secret(CKK keyType, string name, byte[] value) => new(name, T.Of(
        T.Class(CKO.CKO_SECRET_KEY), T.KeyType(keyType), T.Bytes(CKA.CKA_VALUE, value)));

    public static readonly ObjectType Aes = Secret(CKK.CKK_AES, "AES", AesKey);
    public static readonly ObjectType Des3 = Secret(CKK.CKK_DES3, "DES3", Des3Key);
    public static readonly ObjectType Generic = Secret(CKK.CKK_GENERIC_SECRET, "GENERIC", T.Repeat(0x33, 20));
    public static readonly ObjectType HmacSha256 = Secret(CKK.CKK_SHA256_HMAC, "HMAC-SHA256", T.Repeat(0x44, 32));

    public static readonly ObjectType EcPub = EcPublic(CKK.CKK_EC, "EC-PUB");
    public static readonly ObjectType EcPriv = EcPrivate(CKK.CKK_EC, "EC-PRIV");
    public static readonly ObjectType EdPub = EcPublic(CKK.CKK_EC_EDWARDS, "EDWARDS-PUB");
    public static readonly ObjectType EdPriv = EcPrivate(CKK.CKK_EC_EDWARDS, "EDWARDS-PRIV");
    public static readonly ObjectType MontPub = EcPublic(CKK.CKK_EC_MONTGOMERY, "MONTGOMERY-PUB");
    public static readonly ObjectType MontPriv = EcPrivate(CKK.CKK_EC_MONTGOMERY, "MONTGOMERY-PRIV");
}
