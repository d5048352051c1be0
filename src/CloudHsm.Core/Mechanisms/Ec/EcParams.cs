using System.Formats.Asn1;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>
/// CKA_EC_PARAMS (§6.3: the DER of an X9.62 Parameters CHOICE). The token takes the oId choice and the
/// curveName choice (a PrintableString, e.g. "prime256v1", "edwards25519"); explicit ecParameters and
/// implicitlyCA it does not: §6.3 makes an unsupported representation CKR_DOMAIN_PARAMS_INVALID, and
/// a well-formed name of a curve it lacks CKR_CURVE_NOT_SUPPORTED.
/// </summary>
internal static class EcParams
{
    public static EcCurve Parse(ReadOnlySpan<byte> der)
    {
        var tag = TryPeek(der);
        try
        {
            if (tag == Asn1Tag.ObjectIdentifier)
            {
                string oid = AsnDecoder.ReadObjectIdentifier(der, AsnEncodingRules.DER, out int read);
                CkrException.ThrowIf(read != der.Length, CKR.CKR_DOMAIN_PARAMS_INVALID, "CKA_EC_PARAMS has trailing bytes");
                return EcCurve.FromOid(oid) ?? throw new CkrException(CKR.CKR_CURVE_NOT_SUPPORTED, $"curve {oid} is not supported");
            }
            if (tag == new Asn1Tag(UniversalTagNumber.PrintableString))
            {
                string name = AsnDecoder.ReadCharacterString(der, AsnEncodingRules.DER, UniversalTagNumber.PrintableString, out int read);
                CkrException.ThrowIf(read != der.Length, CKR.CKR_DOMAIN_PARAMS_INVALID, "CKA_EC_PARAMS has trailing bytes");
                return EcCurve.FromName(name) ?? throw new CkrException(CKR.CKR_CURVE_NOT_SUPPORTED, $"curve \"{name}\" is not supported");
            }
        }
        catch (AsnContentException e)
        {
            if (OpenScCurveName(der) is { } name && EcCurve.FromName(name) is { } curve)
                return curve;
            throw new CkrException(CKR.CKR_DOMAIN_PARAMS_INVALID, "CKA_EC_PARAMS is not valid DER", e);
        }
        throw new CkrException(CKR.CKR_DOMAIN_PARAMS_INVALID, "CKA_EC_PARAMS must name a curve by OID or by name");
    }

    /// <summary>The curve of a key object's CKA_EC_PARAMS, which must be of the key's form.</summary>
    public static EcCurve Of(Objects.HsmObject key, CurveForm form)
    {
        var curve = Parse(key.GetValue(CKA.CKA_EC_PARAMS).Span);
        CkrException.ThrowIf(curve.Form != form, CKR.CKR_CURVE_NOT_SUPPORTED, $"{curve} is not a curve of a {key.KeyType} key");
        return curve;
    }

    /// <summary>
    /// OpenSC 0.23's pkcs11-tool (Debian 12) writes "curve25519" as a PrintableString whose length byte counts
    /// one byte more than it writes (0x13 0x0B and ten characters). Taken as that name, so that
    /// `--key-type EC:curve25519` works; any other malformed DER stays CKR_DOMAIN_PARAMS_INVALID.
    /// </summary>
    private static string? OpenScCurveName(ReadOnlySpan<byte> der) =>
        der.Length > 2 && der[0] == 0x13 && der[1] == der.Length - 1 && der[2..].IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) < 0
            ? System.Text.Encoding.ASCII.GetString(der[2..])
            : null;

    private static Asn1Tag? TryPeek(ReadOnlySpan<byte> der)
    {
        try
        {
            return Asn1Tag.Decode(der, out _);
        }
        catch (AsnContentException)
        {
            return null;
        }
    }
}
