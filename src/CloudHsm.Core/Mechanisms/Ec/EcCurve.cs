using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>The three curve forms of PKCS#11 §6.3, each with its own key type.</summary>
internal enum CurveForm
{
    /// <summary>CKK_EC: ECDSA and ECDH over OpenSSL (.NET ECDsa / ECDiffieHellman).</summary>
    Weierstrass,
    /// <summary>CKK_EC_EDWARDS: EdDSA (RFC 8032) over BouncyCastle.</summary>
    Edwards,
    /// <summary>CKK_EC_MONTGOMERY: X25519 / X448 (RFC 7748) over BouncyCastle.</summary>
    Montgomery,
}

/// <summary>
/// One supported curve: how CKA_EC_PARAMS names it (the oId choice, and the curveName choice's
/// PrintableString names), its sizes, and for short Weierstrass curves the .NET curve and base point
/// order n (for the private scalar's range check, 0 &lt; d &lt; n).
/// </summary>
internal sealed class EcCurve
{
    private EcCurve(string name, CurveForm form, string oid, string[] names, int fieldBits, int keyBytes, string? orderHex = null)
    {
        Name = name;
        Form = form;
        Oid = oid;
        Names = names;
        FieldBits = fieldBits;
        KeyBytes = keyBytes;
        Order = orderHex is null ? BigInteger.Zero : BigInteger.Parse("0" + orderHex, System.Globalization.NumberStyles.HexNumber);
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteObjectIdentifier(oid);
        OidDer = writer.Encode();
    }

    public string Name { get; }
    public CurveForm Form { get; }
    public string Oid { get; }
    /// <summary>CKA_EC_PARAMS as the oId choice: what the token writes on the keys it makes.</summary>
    public byte[] OidDer { get; }
    /// <summary>The curveName choice's names (PrintableString), as SEC 2, RFC 8032 and RFC 7748 spell them.</summary>
    public string[] Names { get; }
    /// <summary>Bits of the field size: what CK_MECHANISM_INFO's key sizes count (§6.3).</summary>
    public int FieldBits { get; }
    /// <summary>Weierstrass: bytes of a coordinate and of the scalar (equal for every curve here);
    /// Edwards/Montgomery: bytes of the RFC 8032 / RFC 7748 public and private keys.</summary>
    public int KeyBytes { get; }
    /// <summary>The base point order n (Weierstrass only).</summary>
    public BigInteger Order { get; }

    public CKK KeyType => Form switch
    {
        CurveForm.Weierstrass => CKK.CKK_EC,
        CurveForm.Edwards => CKK.CKK_EC_EDWARDS,
        _ => CKK.CKK_EC_MONTGOMERY,
    };

    /// <summary>The .NET curve (Weierstrass only): a named curve by OID, so OpenSSL computes with it.</summary>
    public ECCurve DotNetCurve => ECCurve.CreateFromValue(Oid);

    /// <summary>ECDSA's nLen and the length of r and s: the order's byte length.</summary>
    public int SignatureHalf => KeyBytes;

    public static readonly EcCurve P256 = new("P-256", CurveForm.Weierstrass, "1.2.840.10045.3.1.7", ["prime256v1", "secp256r1"], 256, 32,
        "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
    public static readonly EcCurve P384 = new("P-384", CurveForm.Weierstrass, "1.3.132.0.34", ["secp384r1"], 384, 48,
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973");
    public static readonly EcCurve P521 = new("P-521", CurveForm.Weierstrass, "1.3.132.0.35", ["secp521r1"], 521, 66,
        "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409");
    public static readonly EcCurve Secp256k1 = new("secp256k1", CurveForm.Weierstrass, "1.3.132.0.10", ["secp256k1"], 256, 32,
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
    public static readonly EcCurve Ed25519 = new("Ed25519", CurveForm.Edwards, "1.3.101.112", ["edwards25519"], 255, 32);
    public static readonly EcCurve Ed448 = new("Ed448", CurveForm.Edwards, "1.3.101.113", ["edwards448"], 448, 57);
    public static readonly EcCurve X25519 = new("X25519", CurveForm.Montgomery, "1.3.101.110", ["curve25519"], 255, 32);
    public static readonly EcCurve X448 = new("X448", CurveForm.Montgomery, "1.3.101.111", ["curve448"], 448, 56);

    public static readonly EcCurve[] All = [P256, P384, P521, Secp256k1, Ed25519, Ed448, X25519, X448];

    public static EcCurve? FromOid(string oid) => Array.Find(All, c => c.Oid == oid);

    public static EcCurve? FromName(string name) => Array.Find(All, c => c.Names.Contains(name, StringComparer.Ordinal));

    public override string ToString() => Name;
}
