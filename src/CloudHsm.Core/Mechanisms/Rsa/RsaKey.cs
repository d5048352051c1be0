using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;
using Org.BouncyCastle.Crypto.Parameters;
using BcInteger = Org.BouncyCastle.Math.BigInteger;

namespace CloudHsm.Core.Mechanisms.Rsa;

/// <summary>
/// An RSA key object in the form the mechanisms compute with, made once per object snapshot
/// (<see cref="HsmObject.GetOrCreateParsed{T}"/>) and shared by every operation and thread that uses it:
/// a .NET <see cref="RSA"/> for the paths OpenSSL covers, and BouncyCastle parameters (immutable) for the
/// rest (raw RSA, SHA-224, PSS with other salt lengths or MGF hashes, OAEP with labels).
/// </summary>
/// <remarks>
/// Token choices, each in one place here:
/// - usable modulus sizes are <see cref="MinBits"/>..<see cref="MaxBits"/> for every RSA mechanism, verify
///   included (no 1024-bit legacy verification: one range per mechanism is what C_GetMechanismInfo can
///   say truthfully); outside it *Init answers CKR_KEY_SIZE_RANGE;
/// - components .NET cannot use (inconsistent lengths, a missing CRT value, zero) make *Init answer
///   CKR_KEY_TYPE_INCONSISTENT, the *Init code closest to "this object is not a usable RSA key"
///   (§5.1: C_SignInit etc. list no code for malformed key material).
/// </remarks>
internal sealed class RsaKey
{
    public const int MinBits = 2048;
    public const int MaxBits = 16384;

    private RsaKey(RSA rsa, int bits, RsaKeyParameters bc)
    {
        Rsa = rsa;
        Bits = bits;
        Bc = bc;
        Length = (bits + 7) / 8;
    }

    /// <summary>Shared by concurrent operations (DESIGN.md fact 9; pinned by a test).</summary>
    public RSA Rsa { get; }

    public int Bits { get; }

    /// <summary>k: the modulus length in bytes.</summary>
    public int Length { get; }

    /// <summary>A RsaPrivateCrtKeyParameters for private keys, RsaKeyParameters for public ones.</summary>
    public RsaKeyParameters Bc { get; }

    public BcInteger Modulus => Bc.Modulus;

    /// <summary>The RSA public key of <paramref name="key"/> (encrypt, verify, verify-recover, wrap).</summary>
    public static RsaKey Public(HsmObject key) => Parse(key, CKO.CKO_PUBLIC_KEY);

    /// <summary>The RSA private key of <paramref name="key"/> (decrypt, sign, sign-recover, unwrap).</summary>
    public static RsaKey Private(HsmObject key) => Parse(key, CKO.CKO_PRIVATE_KEY);

    private static RsaKey Parse(HsmObject key, CKO expected)
    {
        CkrException.ThrowIf(key.KeyType != CKK.CKK_RSA || key.Class != expected, CKR.CKR_KEY_TYPE_INCONSISTENT,
            $"an RSA {(expected == CKO.CKO_PUBLIC_KEY ? "public" : "private")} key is needed");
        return key.GetOrCreateParsed(static k => k.Class == CKO.CKO_PRIVATE_KEY ? ImportPrivate(k) : ImportPublic(k));
    }

    private static RsaKey ImportPublic(HsmObject key)
    {
        var n = Component(key, CKA.CKA_MODULUS);
        var e = Component(key, CKA.CKA_PUBLIC_EXPONENT);
        int bits = CheckSize(n);
        var rsa = Import(new RSAParameters { Modulus = n, Exponent = e });
        return new RsaKey(rsa, bits, Bouncy(rsa, () => new RsaKeyParameters(false, Big(n), Big(e))));
    }

    private static RsaKey ImportPrivate(HsmObject key)
    {
        var n = Component(key, CKA.CKA_MODULUS);
        int bits = CheckSize(n);
        int k = n.Length, half = (k + 1) / 2;
        var e = Component(key, CKA.CKA_PUBLIC_EXPONENT);
        var d = Component(key, CKA.CKA_PRIVATE_EXPONENT);
        var p = Component(key, CKA.CKA_PRIME_1);
        var q = Component(key, CKA.CKA_PRIME_2);
        var dp = Component(key, CKA.CKA_EXPONENT_1);
        var dq = Component(key, CKA.CKA_EXPONENT_2);
        var qInv = Component(key, CKA.CKA_COEFFICIENT);
        var parameters = new RSAParameters { Modulus = n, Exponent = e };
        try
        {
            // .NET wants D as long as the modulus and the CRT values half as long (RSAParameters remarks).
            parameters.D = Pad(d, k);
            parameters.P = Pad(p, half);
            parameters.Q = Pad(q, half);
            parameters.DP = Pad(dp, half);
            parameters.DQ = Pad(dq, half);
            parameters.InverseQ = Pad(qInv, half);
            var rsa = Import(parameters);
            return new RsaKey(rsa, bits, Bouncy(rsa, () => new RsaPrivateCrtKeyParameters(Big(n), Big(e), Big(d), Big(p), Big(q), Big(dp), Big(dq), Big(qInv))));
        }
        finally
        {
            // The BCL and BouncyCastle hold their own copies now; these temporaries go.
            foreach (var secret in new[] { d, p, q, dp, dq, qInv, parameters.D, parameters.P, parameters.Q, parameters.DP, parameters.DQ, parameters.InverseQ })
                CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static int CheckSize(byte[] modulus)
    {
        int bits = modulus.Length == 0 ? 0 : (modulus.Length - 1) * 8 + (32 - int.LeadingZeroCount(modulus[0]));
        CkrException.ThrowIf(bits is < MinBits or > MaxBits, CKR.CKR_KEY_SIZE_RANGE,
            $"RSA keys of {bits} bits are outside {MinBits}..{MaxBits}");
        return bits;
    }

    private static RSA Import(RSAParameters parameters)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportParameters(parameters);
            return rsa;
        }
        catch (CryptographicException e)
        {
            rsa.Dispose();
            throw new CkrException(CKR.CKR_KEY_TYPE_INCONSISTENT, "the RSA key components are not usable", e);
        }
    }

    /// <summary>BouncyCastle's key parameters check the modulus and exponent themselves (an even modulus or
    /// exponent, a modulus with a small prime factor) with an ArgumentException, where OpenSSL takes such a
    /// public key: a key either library refuses is not a usable RSA key (found by tests/CloudHsm.Fuzz).</summary>
    private static RsaKeyParameters Bouncy(RSA rsa, Func<RsaKeyParameters> create)
    {
        try
        {
            return create();
        }
        catch (ArgumentException e)
        {
            rsa.Dispose();
            throw new CkrException(CKR.CKR_KEY_TYPE_INCONSISTENT, "the RSA key components are not usable", e);
        }
    }

    /// <summary>A big-integer attribute without leading zero bytes; absent or zero is not a usable key.</summary>
    private static byte[] Component(HsmObject key, CKA type)
    {
        var value = key.GetValue(type).Span;
        int start = value.IndexOfAnyExcept((byte)0);
        CkrException.ThrowIf(start < 0, CKR.CKR_KEY_TYPE_INCONSISTENT, $"the key has no usable {type}");
        return value[start..].ToArray();
    }

    private static byte[] Pad(byte[] value, int length)
    {
        CkrException.ThrowIf(value.Length > length, CKR.CKR_KEY_TYPE_INCONSISTENT, "an RSA private component is longer than the modulus allows");
        if (value.Length == length) return value;
        var padded = new byte[length];
        value.CopyTo(padded.AsSpan(length - value.Length));
        return padded;
    }

    private static BcInteger Big(byte[] unsignedBigEndian) => new(1, unsignedBigEndian);
}
