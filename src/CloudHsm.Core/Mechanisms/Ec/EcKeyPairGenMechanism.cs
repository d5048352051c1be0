using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto.Parameters;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>
/// CKM_EC_KEY_PAIR_GEN, CKM_EC_EDWARDS_KEY_PAIR_GEN and CKM_EC_MONTGOMERY_KEY_PAIR_GEN (§6.3): the curve
/// comes from the public template's CKA_EC_PARAMS; a curve of another form is CKR_CURVE_NOT_SUPPORTED, as
/// §6.3 says for Edwards and Montgomery curves given to the wrong generator. The public key gets
/// CKA_EC_POINT (see <see cref="EcPoint"/>), the private key CKA_EC_PARAMS (as given) and CKA_VALUE
/// (Weierstrass: the scalar d, big-endian, field length; otherwise the RFC 8032 / 7748 key bytes).
/// </summary>
internal sealed class EcKeyPairGenMechanism(CurveForm form, MechanismInfo info) : IKeyPairGenMechanism
{
    public MechanismInfo Info { get; } = info;

    public (HsmObject PublicKey, HsmObject PrivateKey) Generate(Mechanism mechanism, Template publicTemplate,
        Template privateTemplate, ObjectContext context)
    {
        CkrException.ThrowIf(mechanism.Parameter is not null, CKR.CKR_MECHANISM_PARAM_INVALID, "key pair generation takes no parameter");
        byte[] ecParams = publicTemplate.Find(CKA.CKA_EC_PARAMS)
            ?? throw new CkrException(CKR.CKR_TEMPLATE_INCOMPLETE, "the public key template needs CKA_EC_PARAMS");
        var curve = EcParams.Parse(ecParams);
        CkrException.ThrowIf(curve.Form != form, CKR.CKR_CURVE_NOT_SUPPORTED, $"{mechanism.Type} does not generate {curve} keys");

        var (point, value) = form == CurveForm.Weierstrass ? GenerateWeierstrass(curve) : GenerateBouncyCastle(curve);
        try
        {
            var pub = ObjectEngine.Generate(CKO.CKO_PUBLIC_KEY, curve.KeyType, publicTemplate,
                new Dictionary<CKA, byte[]> { [CKA.CKA_EC_POINT] = EcPoint.WrapOctetString(point) }, mechanism.Type, context);
            var priv = ObjectEngine.Generate(CKO.CKO_PRIVATE_KEY, curve.KeyType, privateTemplate,
                new Dictionary<CKA, byte[]> { [CKA.CKA_EC_PARAMS] = ecParams, [CKA.CKA_VALUE] = value }, mechanism.Type, context);
            return (pub, priv);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(value); // the engine keeps its own copy
        }
    }

    /// <summary>OpenSSL directly where it can be loaded (<see cref="OpenSslEcKeyGen"/>: a third of the
    /// cost of .NET's path), otherwise .NET's ECDsa.</summary>
    private static (byte[] Point, byte[] Value) GenerateWeierstrass(EcCurve curve)
    {
        if (OpenSslEcKeyGen.TryGenerate(curve, out var point, out var scalar))
            return (point, scalar);
        using var key = ECDsa.Create(curve.DotNetCurve);
        var p = key.ExportParameters(includePrivateParameters: true);
        return ([0x04, .. p.Q.X!, .. p.Q.Y!], p.D!);
    }

    /// <summary>RFC 8032 and RFC 7748 private keys are uniformly random byte strings of the curve's key
    /// length: drawn from OpenSSL's RNG (fork-safe, DESIGN fact 2) rather than a BouncyCastle PRNG whose
    /// state a forked child would share with its parent.</summary>
    private static (byte[] Point, byte[] Value) GenerateBouncyCastle(EcCurve curve)
    {
        byte[] value = RandomNumberGenerator.GetBytes(curve.KeyBytes);
        byte[] point =
            curve == EcCurve.Ed25519 ? new Ed25519PrivateKeyParameters(value).GeneratePublicKey().GetEncoded()
            : curve == EcCurve.Ed448 ? new Ed448PrivateKeyParameters(value).GeneratePublicKey().GetEncoded()
            : curve == EcCurve.X25519 ? new X25519PrivateKeyParameters(value).GeneratePublicKey().GetEncoded()
            : new X448PrivateKeyParameters(value).GeneratePublicKey().GetEncoded();
        return (point, value);
    }
}
