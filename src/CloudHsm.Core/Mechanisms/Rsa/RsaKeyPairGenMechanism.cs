using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using BcInteger = Org.BouncyCastle.Math.BigInteger;

namespace CloudHsm.Core.Mechanisms.Rsa;

/// <summary>
/// CKM_RSA_PKCS_KEY_PAIR_GEN (§6.1.4). CKA_MODULUS_BITS (public template, required) is
/// <see cref="MinBits"/>..<see cref="MaxBits"/>, else CKR_ATTRIBUTE_VALUE_INVALID (§5.18 lists no
/// CKR_KEY_SIZE_RANGE for C_GenerateKeyPair: the template's value is what is wrong). CKA_PUBLIC_EXPONENT defaults to 65537;
/// any odd value from 65537 up to 2^256 (FIPS 186-5 §A.1.1) is used. A value that is no RSA exponent at all
/// (even, 1, empty) is CKR_ATTRIBUTE_VALUE_INVALID; an odd one the token will not use (3, 17, above 2^256) is
/// CKR_TEMPLATE_INCONSISTENT, the code §6.1.4 names. OpenSSL (through .NET) makes e = 65537 keys of whole
/// bytes; BouncyCastle the others. The private key keeps every CRT value, so .NET can use it.
/// </summary>
internal sealed class RsaKeyPairGenMechanism : IKeyPairGenMechanism
{
    public const int MinBits = 2048;
    public const int MaxBits = 8192;

    private static readonly byte[] F4 = [0x01, 0x00, 0x01];

    public MechanismInfo Info { get; } = new(MinBits, MaxBits, CKF.CKF_GENERATE_KEY_PAIR);

    public (HsmObject PublicKey, HsmObject PrivateKey) Generate(Mechanism mechanism, Template publicTemplate, Template privateTemplate,
        ObjectContext context)
    {
        CkrException.ThrowIf(mechanism.Parameter is not null, CKR.CKR_MECHANISM_PARAM_INVALID, "CKM_RSA_PKCS_KEY_PAIR_GEN takes no parameter");
        int bits = ModulusBits(publicTemplate);
        byte[]? givenExponent = publicTemplate.Find(CKA.CKA_PUBLIC_EXPONENT);
        byte[] exponent = Exponent(givenExponent);

        var key = bits % 8 == 0 && exponent.AsSpan().SequenceEqual(F4) ? WithOpenSsl(bits) : WithBouncyCastle(bits, exponent);
        try
        {
            var publicValues = new Dictionary<CKA, byte[]>
            {
                [CKA.CKA_MODULUS] = key.Modulus!,
                // The template's own bytes when given (leading zeros and all), so that they cannot "disagree".
                [CKA.CKA_PUBLIC_EXPONENT] = givenExponent ?? exponent,
            };
            var privateValues = new Dictionary<CKA, byte[]>
            {
                [CKA.CKA_MODULUS] = key.Modulus!,
                [CKA.CKA_PUBLIC_EXPONENT] = exponent,
                [CKA.CKA_PRIVATE_EXPONENT] = Minimal(key.D!),
                [CKA.CKA_PRIME_1] = Minimal(key.P!),
                [CKA.CKA_PRIME_2] = Minimal(key.Q!),
                [CKA.CKA_EXPONENT_1] = Minimal(key.DP!),
                [CKA.CKA_EXPONENT_2] = Minimal(key.DQ!),
                [CKA.CKA_COEFFICIENT] = Minimal(key.InverseQ!),
            };
            try
            {
                var publicKey = ObjectEngine.Generate(CKO.CKO_PUBLIC_KEY, CKK.CKK_RSA, publicTemplate, publicValues,
                    CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, context);
                var privateKey = ObjectEngine.Generate(CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA, privateTemplate, privateValues,
                    CKM.CKM_RSA_PKCS_KEY_PAIR_GEN, context);
                return (publicKey, privateKey);
            }
            finally
            {
                foreach (var (type, value) in privateValues)
                    if (type is not (CKA.CKA_MODULUS or CKA.CKA_PUBLIC_EXPONENT))
                        CryptographicOperations.ZeroMemory(value);
            }
        }
        finally
        {
            foreach (var secret in new[] { key.D, key.P, key.Q, key.DP, key.DQ, key.InverseQ })
                CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static int ModulusBits(Template publicTemplate)
    {
        var value = publicTemplate.Find(CKA.CKA_MODULUS_BITS)
            ?? throw new CkrException(CKR.CKR_TEMPLATE_INCOMPLETE, "the public key template needs CKA_MODULUS_BITS");
        CkrException.ThrowIf(value.Length != 8, CKR.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_MODULUS_BITS is a CK_ULONG");
        ulong bits = AttributeValues.ToULong(CKA.CKA_MODULUS_BITS, value);
        CkrException.ThrowIf(bits is < MinBits or > MaxBits, CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"CKA_MODULUS_BITS: RSA keys are generated with {MinBits}..{MaxBits} bits");
        return (int)bits;
    }

    /// <summary>The exponent to use, without leading zeros.</summary>
    private static byte[] Exponent(byte[]? given)
    {
        if (given is null) return F4;
        int start = given.AsSpan().IndexOfAnyExcept((byte)0);
        byte[] e = start < 0 ? [] : given[start..];
        CkrException.ThrowIf(e.Length == 0 || (e[^1] & 1) == 0 || e is [1], CKR.CKR_ATTRIBUTE_VALUE_INVALID,
            "CKA_PUBLIC_EXPONENT must be odd and greater than 1");
        bool tooSmall = new BcInteger(1, e).CompareTo(BcInteger.ValueOf(65537)) < 0;
        bool tooLarge = new BcInteger(1, e).BitLength > 256;
        CkrException.ThrowIf(tooSmall || tooLarge, CKR.CKR_TEMPLATE_INCONSISTENT, "this token uses public exponents from 65537 to 2^256");
        return e;
    }

    private static RSAParameters WithOpenSsl(int bits)
    {
        using var rsa = RSA.Create(bits);
        return rsa.ExportParameters(includePrivateParameters: true);
    }

    private static RSAParameters WithBouncyCastle(int bits, byte[] exponent)
    {
        var generator = new RsaKeyPairGenerator();
        // Certainty 100 (error below 2^-100), as BouncyCastle's own default for these sizes.
        generator.Init(new RsaKeyGenerationParameters(new BcInteger(1, exponent), new SecureRandom(), bits, 100));
        var key = (RsaPrivateCrtKeyParameters)generator.GenerateKeyPair().Private;
        return new RSAParameters
        {
            Modulus = key.Modulus.ToByteArrayUnsigned(), Exponent = key.PublicExponent.ToByteArrayUnsigned(),
            D = key.Exponent.ToByteArrayUnsigned(), P = key.P.ToByteArrayUnsigned(), Q = key.Q.ToByteArrayUnsigned(),
            DP = key.DP.ToByteArrayUnsigned(), DQ = key.DQ.ToByteArrayUnsigned(), InverseQ = key.QInv.ToByteArrayUnsigned(),
        };
    }

    /// <summary>Big integers are stored without leading zero bytes (.NET pads its export to fixed lengths).</summary>
    private static byte[] Minimal(byte[] value)
    {
        int start = value.AsSpan().IndexOfAnyExcept((byte)0);
        return start <= 0 ? (byte[])value.Clone() : value[start..];
    }
}
