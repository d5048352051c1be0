using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Mac.Kdf;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto.Parameters;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>
/// CKM_ECDH1_DERIVE (§6.3) with a CK_ECDH1_DERIVE_PARAMS: the shared secret Z of the base key (CKK_EC or
/// CKK_EC_MONTGOMERY private key) and the other party's public key, then CKD_NULL (Z itself) or an X9.63
/// KDF. The other party's key is taken raw (what §6.3 says a token MUST take) or as a DER OCTET STRING
/// (what SoftHSM and kryoptic also take); one that is not a point of the base key's curve — off the curve,
/// compressed, of the wrong length, or an X25519/X448 point of small order, whose shared secret is zero —
/// is CKR_MECHANISM_PARAM_INVALID: it is a fault of the parameter, not of the domain parameters.
/// The new key is a secret key (generic by default) made with ObjectEngine.Derive; CKD_NULL keeps the
/// trailing bytes of Z when CKA_VALUE_LEN is shorter ("the truncation removes bytes from the leading end").
/// </summary>
internal sealed class EcdhDeriveMechanism(MechanismInfo info) : IDeriveMechanism
{
    /// <summary>No key this token makes is longer; more is CKR_KEY_SIZE_RANGE.</summary>
    private const int MaxKdfOutput = 1024;

    public MechanismInfo Info { get; } = info;

    public HsmObject[] Derive(Mechanism mechanism, HsmObject baseKey, Template template, ObjectContext context)
    {
        var p = mechanism.Parameter as Ecdh1DeriveParameters
            ?? throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, "CKM_ECDH1_DERIVE needs a CK_ECDH1_DERIVE_PARAMS");
        CkrException.ThrowIf(!X963Kdf.TryHashOf(p.Kdf, out var kdfHash), CKR.CKR_MECHANISM_PARAM_INVALID, $"kdf {p.Kdf} is not supported");
        CkrException.ThrowIf(kdfHash is null && p.SharedData.Length != 0, CKR.CKR_MECHANISM_PARAM_INVALID,
            "CKD_NULL takes no shared data");
        CkrException.ThrowIf(baseKey.Class != CKO.CKO_PRIVATE_KEY || baseKey.KeyType is not (CKK.CKK_EC or CKK.CKK_EC_MONTGOMERY),
            CKR.CKR_KEY_TYPE_INCONSISTENT, "ECDH needs a CKK_EC or CKK_EC_MONTGOMERY private key");

        // The base key's CKA_DERIVE_TEMPLATE counts as if the caller had given it (key type and length included).
        template = ObjectEngine.WithDeriveTemplate(template, baseKey);
        var keyType = DerivedKeyTemplate.KeyType(template);
        byte[] z = baseKey.KeyType == CKK.CKK_EC ? WeierstrassSecret(EcKeys.Weierstrass(baseKey), p.PublicData)
                                                 : MontgomerySecret(EcKeys.Montgomery(baseKey), p.PublicData);
        byte[]? value = null;
        try
        {
            int length = kdfHash is null
                ? DerivedKeyTemplate.Length(template, keyType, implied: z.Length, max: z.Length)
                : DerivedKeyTemplate.Length(template, keyType, implied: null, max: MaxKdfOutput);
            value = kdfHash is null ? z[^length..] : X963Kdf.Derive(kdfHash.Value, z, p.SharedData, length);
            return [ObjectEngine.Derive(CKO.CKO_SECRET_KEY, keyType, DerivedKeyTemplate.WithBaseKeyDefaults(template, baseKey),
                new Dictionary<CKA, byte[]> { [CKA.CKA_VALUE] = value }, baseKey, context)];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(z);
            if (value is not null) CryptographicOperations.ZeroMemory(value);
        }
    }

    /// <summary>Z = the x-coordinate of d·Q (X9.63), field length. Importing the other party's point
    /// checks that it is on the curve.</summary>
    private static byte[] WeierstrassSecret(WeierstrassKey key, byte[] publicData)
    {
        byte[] point = EcPoint.TryUnwrap(key.Curve, publicData) ?? throw BadPublicData(key.Curve);
        int n = key.Curve.KeyBytes;
        try
        {
            using var peer = ECDiffieHellman.Create(new ECParameters
            {
                Curve = key.Curve.DotNetCurve,
                Q = new ECPoint { X = point[1..(1 + n)], Y = point[(1 + n)..] },
            });
            return key.Ecdh.DeriveRawSecretAgreement(peer.PublicKey);
        }
        catch (CryptographicException)
        {
            throw BadPublicData(key.Curve);
        }
    }

    /// <summary>Z = X25519(k, u) or X448(k, u) (RFC 7748); an all-zero result means a small-order point,
    /// which BouncyCastle refuses.</summary>
    private static byte[] MontgomerySecret(MontgomeryKey key, byte[] publicData)
    {
        byte[] u = EcPoint.TryUnwrap(key.Curve, publicData) ?? throw BadPublicData(key.Curve);
        var secret = new byte[key.Curve.KeyBytes];
        try
        {
            if (key.Private is X25519PrivateKeyParameters x25519) x25519.GenerateSecret(new X25519PublicKeyParameters(u), secret);
            else ((X448PrivateKeyParameters)key.Private!).GenerateSecret(new X448PublicKeyParameters(u), secret);
            return secret;
        }
        catch (InvalidOperationException)
        {
            throw BadPublicData(key.Curve);
        }
    }

    private static CkrException BadPublicData(EcCurve curve) =>
        new(CKR.CKR_MECHANISM_PARAM_INVALID, $"pPublicData is not a valid {curve} public key");
}
