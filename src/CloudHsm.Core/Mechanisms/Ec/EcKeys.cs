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

/// <summary>A short Weierstrass key (CKK_EC): an ECDsa made at once (which validates it) and an
/// ECDiffieHellman made on first use. OpenSSL-backed instances are shared by concurrent operations
/// (DESIGN fact 9; pinned by a test).</summary>
internal sealed class WeierstrassKey
{
    private readonly ECParameters _parameters;
    private readonly Lazy<ECDiffieHellman> _ecdh;

    public WeierstrassKey(HsmObject key)
    {
        Curve = EcParams.Of(key, CurveForm.Weierstrass);
        IsPrivate = key.Class == CKO.CKO_PRIVATE_KEY;
        _parameters = new ECParameters { Curve = Curve.DotNetCurve };
        if (IsPrivate)
        {
            _parameters.D = EcKeys.Scalar(Curve, key.GetValue(CKA.CKA_VALUE).Span);
        }
        else
        {
            byte[] point = EcPoint.Of(key, Curve);
            _parameters.Q = new ECPoint { X = point[1..(1 + Curve.KeyBytes)], Y = point[(1 + Curve.KeyBytes)..] };
        }
        var parameters = _parameters;
        Ecdsa = EcKeys.Import(Curve, () => ECDsa.Create(parameters));
        _ecdh = new Lazy<ECDiffieHellman>(() => EcKeys.Import(Curve, () => ECDiffieHellman.Create(parameters)));
    }

    public EcCurve Curve { get; }

    public bool IsPrivate { get; }

    public ECDsa Ecdsa { get; }

    public ECDiffieHellman Ecdh => _ecdh.Value;
}

/// <summary>An Edwards key (CKK_EC_EDWARDS): the BouncyCastle key parameters of Ed25519 or Ed448, which
/// are immutable and safe to share.</summary>
internal sealed class EdwardsKey
{
    public EdwardsKey(HsmObject key)
    {
        Curve = EcParams.Of(key, CurveForm.Edwards);
        bool ed25519 = Curve == EcCurve.Ed25519;
        try
        {
            if (key.Class == CKO.CKO_PRIVATE_KEY)
            {
                byte[] raw = EcKeys.RawPrivate(key, Curve);
                Private = ed25519 ? new Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters(raw)
                                  : new Org.BouncyCastle.Crypto.Parameters.Ed448PrivateKeyParameters(raw);
                CryptographicOperations.ZeroMemory(raw);
            }
            else
            {
                byte[] raw = EcPoint.Of(key, Curve);
                // The constructors decode the point and refuse one that is not on the curve.
                Public = ed25519 ? new Org.BouncyCastle.Crypto.Parameters.Ed25519PublicKeyParameters(raw)
                                 : new Org.BouncyCastle.Crypto.Parameters.Ed448PublicKeyParameters(raw);
            }
        }
        catch (ArgumentException e)
        {
            throw new CkrException(CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"the key is not a valid {Curve} key", e);
        }
    }

    public EcCurve Curve { get; }

    public Org.BouncyCastle.Crypto.AsymmetricKeyParameter? Private { get; }

    public Org.BouncyCastle.Crypto.AsymmetricKeyParameter? Public { get; }
}

/// <summary>A Montgomery private key (CKK_EC_MONTGOMERY): BouncyCastle's X25519 or X448 parameters.</summary>
internal sealed class MontgomeryKey
{
    public MontgomeryKey(HsmObject key)
    {
        Curve = EcParams.Of(key, CurveForm.Montgomery);
        if (key.Class == CKO.CKO_PRIVATE_KEY)
        {
            byte[] raw = EcKeys.RawPrivate(key, Curve);
            Private = Curve == EcCurve.X25519 ? new Org.BouncyCastle.Crypto.Parameters.X25519PrivateKeyParameters(raw)
                                              : new Org.BouncyCastle.Crypto.Parameters.X448PrivateKeyParameters(raw);
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    public EcCurve Curve { get; }

    public Org.BouncyCastle.Crypto.AsymmetricKeyParameter? Private { get; }
}
