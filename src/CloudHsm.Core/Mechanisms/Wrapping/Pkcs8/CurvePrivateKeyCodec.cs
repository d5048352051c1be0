using System.Formats.Asn1;
using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Wrapping.Pkcs8;

/// <summary>
/// Edwards (Ed25519, Ed448) and Montgomery (X25519, X448) private keys in PKCS#8 (RFC 8410): the curve's
/// OID as algorithm with no parameters, and privateKey holding CurvePrivateKey, itself an OCTET STRING of
/// the raw key — which is what CKA_VALUE holds (§6.3). CKA_EC_PARAMS may name the curve by OID or, as
/// PKCS#11 3.0 does, by its PrintableString name; an unwrapped key gets the OID form.
/// </summary>
internal static class CurvePrivateKeyCodec
{
    private sealed record Curve(string Oid, string Name, CKK KeyType, int KeyLength);

    private static readonly Curve[] Curves =
    [
        new(Oids.Ed25519, "edwards25519", CKK.CKK_EC_EDWARDS, 32),
        new(Oids.Ed448, "edwards448", CKK.CKK_EC_EDWARDS, 57),
        new(Oids.X25519, "curve25519", CKK.CKK_EC_MONTGOMERY, 32),
        new(Oids.X448, "curve448", CKK.CKK_EC_MONTGOMERY, 56),
    ];

    public static byte[] Encode(HsmObject key)
    {
        var curve = CurveOf(key.GetValue(CKA.CKA_EC_PARAMS).Span);
        CkrException.ThrowIf(curve is null || curve.KeyType != key.KeyType, CKR.CKR_KEY_NOT_WRAPPABLE,
            "the key's CKA_EC_PARAMS names no curve of its key type");
        var value = key.GetValue(CKA.CKA_VALUE).Span;
        CkrException.ThrowIf(value.Length != curve!.KeyLength, CKR.CKR_KEY_NOT_WRAPPABLE, "the key's value has the wrong length for its curve");

        var writer = new AsnWriter(AsnEncodingRules.DER);
        byte[]? curvePrivateKey = null;
        try
        {
            writer.WriteOctetString(value);
            curvePrivateKey = writer.Encode();
            return PrivateKeyInfo.Write(curve.Oid, default, curvePrivateKey);
        }
        finally
        {
            writer.Reset();
            CryptographicOperations.ZeroMemory(curvePrivateKey);
        }
    }

    public static Dictionary<CKA, byte[]> Decode(PrivateKeyInfo info)
    {
        var curve = Array.Find(Curves, c => c.Oid == info.Algorithm) ?? throw new AsnContentException("not an RFC 8410 curve");
        if (info.Parameters is not null) throw new AsnContentException("RFC 8410 algorithm identifiers have no parameters");
        var reader = new AsnReader(info.PrivateKey, AsnEncodingRules.BER);
        byte[] value = reader.ReadOctetString();
        if (reader.HasData || value.Length != curve.KeyLength)
        {
            CryptographicOperations.ZeroMemory(value);
            throw new AsnContentException("CurvePrivateKey has the wrong length for its curve");
        }
        var oid = new AsnWriter(AsnEncodingRules.DER);
        oid.WriteObjectIdentifier(curve.Oid);
        return new Dictionary<CKA, byte[]> { [CKA.CKA_EC_PARAMS] = oid.Encode(), [CKA.CKA_VALUE] = value };
    }

    private static Curve? CurveOf(ReadOnlySpan<byte> ecParams)
    {
        try
        {
            var reader = new AsnReader(ecParams.ToArray(), AsnEncodingRules.DER);
            var tag = reader.PeekTag();
            string? oid = tag.HasSameClassAndValue(Asn1Tag.ObjectIdentifier) ? reader.ReadObjectIdentifier() : null;
            string? name = tag.HasSameClassAndValue(new Asn1Tag(UniversalTagNumber.PrintableString))
                ? reader.ReadCharacterString(UniversalTagNumber.PrintableString) : null;
            reader.ThrowIfNotEmpty();
            return Array.Find(Curves, c => c.Oid == oid || c.Name == name);
        }
        catch (AsnContentException)
        {
            return null;
        }
    }
}
