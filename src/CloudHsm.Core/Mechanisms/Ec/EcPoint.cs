using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>
/// CKA_EC_POINT and ECDH public data. The token writes a DER OCTET STRING around the public key for
/// every curve form: X9.62's ECPoint (04||X||Y) for short Weierstrass curves, and the RFC 8032 / RFC 7748
/// key bytes for Edwards and Montgomery curves — the encoding SoftHSM2 2.6, OpenSC 0.23's pkcs11-tool and
/// libp11 0.4.12 (Debian 12's consumers) read; PKCS#11 3.1 names the bare key bytes instead. Reading, it
/// takes either: the curve fixes the bare length, so the two cannot be confused (as kryoptic and
/// pkcs11-provider do).
/// </summary>
internal static class EcPoint
{
    /// <summary>The DER OCTET STRING holding <paramref name="content"/>.</summary>
    public static byte[] WrapOctetString(ReadOnlySpan<byte> content)
    {
        int n = content.Length;
        byte[] header = n < 0x80 ? [0x04, (byte)n] : n < 0x100 ? [0x04, 0x81, (byte)n] : [0x04, 0x82, (byte)(n >> 8), (byte)n];
        return [.. header, .. content];
    }

    /// <summary>The bare public key of <paramref name="curve"/> in <paramref name="encoded"/> (bare, or in a
    /// DER OCTET STRING), or null when it is neither. Weierstrass keys must be uncompressed (04||X||Y).</summary>
    public static byte[]? TryUnwrap(EcCurve curve, ReadOnlySpan<byte> encoded)
    {
        int bare = curve.Form == CurveForm.Weierstrass ? 1 + 2 * curve.KeyBytes : curve.KeyBytes;
        ReadOnlySpan<byte> key = encoded.Length == bare ? encoded : ContentOf(encoded, bare);
        if (key.Length != bare) return null;
        if (curve.Form == CurveForm.Weierstrass && key[0] != 0x04) return null;
        return key.ToArray();
    }

    /// <summary>The public key of a key object, or CKR_ATTRIBUTE_VALUE_INVALID (see <see cref="EcKeys"/>).</summary>
    public static byte[] Of(Objects.HsmObject key, EcCurve curve) =>
        TryUnwrap(curve, key.GetValue(CKA.CKA_EC_POINT).Span)
        ?? throw new CkrException(CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"CKA_EC_POINT is not an uncompressed {curve} public key");

    private static ReadOnlySpan<byte> ContentOf(ReadOnlySpan<byte> der, int expected)
    {
        var header = expected < 0x80 ? (ReadOnlySpan<byte>)[0x04, (byte)expected] : [0x04, 0x81, (byte)expected];
        return der.Length == header.Length + expected && der.StartsWith(header) ? der[header.Length..] : [];
    }
}
