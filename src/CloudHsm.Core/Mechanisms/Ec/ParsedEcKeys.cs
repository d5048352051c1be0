using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>A short Weierstrass key (CKK_EC): its ECDSA form made at once (which validates it) on libcrypto
/// where it can (<see cref="OpenSslEcdsaKey"/>), else on .NET, and an ECDiffieHellman made on first use.
/// Both are shared by concurrent operations (DESIGN fact 9; pinned by a test).</summary>
internal sealed class WeierstrassKey
{
    private readonly ECParameters _parameters;
    private readonly Lazy<ECDiffieHellman> _ecdh;

    public WeierstrassKey(HsmObject key)
    {
        Curve = EcParams.Of(key, CurveForm.Weierstrass);
        IsPrivate = key.Class == CKO.CKO_PRIVATE_KEY;
        _parameters = new ECParameters { Curve = Curve.DotNetCurve };
        byte[]? point = null;
        if (IsPrivate)
        {
            _parameters.D = EcKeys.Scalar(Curve, key.GetValue(CKA.CKA_VALUE).Span);
        }
        else
        {
            point = EcPoint.Of(key, Curve);
            _parameters.Q = new ECPoint { X = point[1..(1 + Curve.KeyBytes)], Y = point[(1 + Curve.KeyBytes)..] };
        }
        var parameters = _parameters;
        Ecdsa = (IEcdsaKey?)OpenSslEcdsaKey.TryImport(Curve, _parameters.D, point)
            ?? new DotNetEcdsaKey(EcKeys.Import(Curve, () => ECDsa.Create(parameters)));
        _ecdh = new Lazy<ECDiffieHellman>(() => EcKeys.Import(Curve, () => ECDiffieHellman.Create(parameters)));
    }

    public EcCurve Curve { get; }

    public bool IsPrivate { get; }

    public IEcdsaKey Ecdsa { get; }

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
