using System.Numerics;
using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>
/// Key checks and the parsed forms of EC key objects, made once per snapshot
/// (<see cref="HsmObject.GetOrCreateParsed{T}"/>) and shared by every operation on it.
/// </summary>
/// <remarks>
/// C_CreateObject stores EC key material without looking into it; it is parsed and validated here, at
/// the key's first use. The codes: a CKA_EC_PARAMS that is not an OID or a curve name is
/// CKR_DOMAIN_PARAMS_INVALID and an unknown curve CKR_CURVE_NOT_SUPPORTED (§6.3); key material that is not
/// a key of its curve — a point off the curve, compressed or of the wrong length, a private scalar outside
/// 1..n-1 — is CKR_ATTRIBUTE_VALUE_INVALID, the code C_CreateObject would have given it: it names the
/// culprit, where CKR_KEY_TYPE_INCONSISTENT would send the caller looking at the mechanism.
/// </remarks>
internal static class EcKeys
{
    /// <summary>The mechanism's own key check (KeyUsage does the usage flag): object class and key type.</summary>
    public static void Require(HsmObject key, CKO objectClass, CKK keyType) =>
        CkrException.ThrowIf(key.Class != objectClass || key.KeyType != keyType, CKR.CKR_KEY_TYPE_INCONSISTENT,
            $"the mechanism needs a {objectClass} of type {keyType}");

    public static WeierstrassKey Weierstrass(HsmObject key) => key.GetOrCreateParsed(static k => new WeierstrassKey(k));

    public static EdwardsKey Edwards(HsmObject key) => key.GetOrCreateParsed(static k => new EdwardsKey(k));

    public static MontgomeryKey Montgomery(HsmObject key) => key.GetOrCreateParsed(static k => new MontgomeryKey(k));

    /// <summary>A private scalar as ECParameters.D wants it: big-endian, exactly the curve's length, and in
    /// 1..n-1 (CKA_VALUE is a Big integer, so shorter values and leading zeros are fine).</summary>
    public static byte[] Scalar(EcCurve curve, ReadOnlySpan<byte> value)
    {
        var trimmed = value.TrimStart((byte)0);
        CkrException.ThrowIf(trimmed.Length > curve.KeyBytes, CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"CKA_VALUE is too long for {curve}");
        var d = new BigInteger(trimmed, isUnsigned: true, isBigEndian: true);
        CkrException.ThrowIf(d.IsZero || d >= curve.Order, CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"CKA_VALUE is not a {curve} private key");
        var padded = new byte[curve.KeyBytes];
        trimmed.CopyTo(padded.AsSpan(curve.KeyBytes - trimmed.Length));
        return padded;
    }

    /// <summary>The bare key bytes of an Edwards or Montgomery private key: exactly the curve's length,
    /// or those bytes in a DER OCTET STRING (as some tokens store them).</summary>
    public static byte[] RawPrivate(HsmObject key, EcCurve curve) =>
        EcPoint.TryUnwrap(curve, key.GetValue(CKA.CKA_VALUE).Span)
        ?? throw new CkrException(CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"CKA_VALUE is not a {curve} private key");

    /// <summary>ImportParameters refuses a point off the curve or a bad scalar with a CryptographicException:
    /// that is the key's fault, never the caller's call.</summary>
    public static T Import<T>(EcCurve curve, Func<T> import)
    {
        try
        {
            return import();
        }
        catch (CryptographicException e)
        {
            throw new CkrException(CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"the key is not a valid {curve} key", e);
        }
    }
}
