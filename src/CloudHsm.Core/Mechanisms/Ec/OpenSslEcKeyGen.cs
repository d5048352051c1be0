using System.Security.Cryptography;
using static CloudHsm.Core.Mechanisms.Ec.LibCryptoEc;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>
/// Short Weierstrass key pair generation straight from libcrypto (<see cref="LibCryptoEc"/>): the same
/// EC_KEY_generate_key .NET calls, without the two costs .NET adds around it.
/// </summary>
/// <remarks>
/// Measured with perf on ec-p256-keygen (2026-11-28): .NET's <c>ECDsa.Create(curve)</c> +
/// <c>ExportParameters</c> spent ~60 % of the call in libcrypto, and only an eighth of that making the key.
/// .NET's native shim (<c>CryptoNative_EcKeyGenerateKey</c>) runs <c>EC_KEY_check_key</c> after
/// every generation, which is two more scalar multiplications, one of them variable-base
/// (n·Q = ∞): about six times the generation itself. And every <c>ECDsa.Create</c> builds the curve's
/// group from scratch (<c>EC_GROUP_new_by_curve_name</c>: two Montgomery contexts, each with a modular
/// inverse). Here the group is built once per curve and duplicated into each key
/// (<c>EC_KEY_set_group</c>), and the key OpenSSL just made from its own DRBG is not re-checked:
/// OpenSSL's own tools and SoftHSM2 do not check it either.
/// </remarks>
internal static class OpenSslEcKeyGen
{
    /// <summary>Generates a key pair on <paramref name="curve"/>: the uncompressed point 04‖X‖Y and the
    /// private scalar, big-endian, <see cref="EcCurve.KeyBytes"/> long. False when OpenSSL cannot be used
    /// here; a failure inside OpenSSL is a <see cref="CryptographicException"/>.</summary>
    public static bool TryGenerate(EcCurve curve, out byte[] point, out byte[] scalar)
    {
        point = scalar = [];
        if (!TryGroup(curve, out nint group)) return false;

        nint key = EC_KEY_new();
        if (key == 0) throw Failure("EC_KEY_new");
        try
        {
            if (EC_KEY_set_group(key, group) != 1 || EC_KEY_generate_key(key) != 1)
                throw Failure("EC_KEY_generate_key");
            point = new byte[1 + 2 * curve.KeyBytes];
            nuint written = EC_POINT_point2oct(group, EC_KEY_get0_public_key(key), PointConversionUncompressed,
                point, (nuint)point.Length, 0);
            if (written != (nuint)point.Length) throw Failure("EC_POINT_point2oct");
            scalar = new byte[curve.KeyBytes];
            if (BN_bn2binpad(EC_KEY_get0_private_key(key), ref scalar[0], scalar.Length) != scalar.Length)
            {
                CryptographicOperations.ZeroMemory(scalar);
                throw Failure("BN_bn2binpad");
            }
            return true;
        }
        finally
        {
            EC_KEY_free(key); // clears the private scalar (BN_clear_free)
        }
    }
}
