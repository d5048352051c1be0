using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>
/// Short Weierstrass key pair generation straight from OpenSSL's libcrypto, the library .NET's own EC
/// classes run on (DESIGN fact 4): the same EC_KEY_generate_key, without the two costs .NET adds around it.
/// </summary>
/// <remarks>
/// <para>Measured with perf on ec-p256-keygen (2026-11-28): .NET's <c>ECDsa.Create(curve)</c> +
/// <c>ExportParameters</c> spent ~60 % of the call in libcrypto, and only an eighth of that making the key.
/// .NET's native shim (<c>CryptoNative_EcKeyGenerateKey</c>) runs <c>EC_KEY_check_key</c> after
/// every generation, which is two more scalar multiplications, one of them variable-base
/// (n·Q = ∞): about six times the generation itself. And every <c>ECDsa.Create</c> builds the curve's
/// group from scratch (<c>EC_GROUP_new_by_curve_name</c>: two Montgomery contexts, each with a modular
/// inverse). Here the group is built once per curve and duplicated into each key
/// (<c>EC_KEY_set_group</c>), and the key OpenSSL just made from its own DRBG is not re-checked:
/// OpenSSL's own tools and SoftHSM2 do not check it either.</para>
/// <para>Only handles (<c>nint</c>) and managed byte arrays cross, so the core stays free of unsafe code.
/// Where libcrypto 3 cannot be loaded (Windows, a system with OpenSSL 1.1 only) or a curve is unknown to it,
/// <see cref="TryGenerate"/> returns false and the caller uses .NET. The group handles are never freed:
/// one per curve for the life of the process, like the mechanism table. OpenSSL objects survive fork
/// (they are plain memory, and OpenSSL's DRBG reseeds in a child).</para>
/// </remarks>
internal static class OpenSslEcKeyGen
{
    private const string LibCrypto = "libcrypto.so.3";
    private const int PointConversionUncompressed = 4;

    /// <summary>0 while not yet tried, 1 usable, -1 not usable (library or symbol missing).</summary>
    private static int s_state;

    /// <summary>One EC_GROUP per curve (nint.Zero: OpenSSL does not know the curve).</summary>
    private static readonly ConcurrentDictionary<EcCurve, nint> Groups = new();

    /// <summary>Generates a key pair on <paramref name="curve"/>: the uncompressed point 04‖X‖Y and the
    /// private scalar, big-endian, <see cref="EcCurve.KeyBytes"/> long. False when OpenSSL cannot be used
    /// here; a failure inside OpenSSL is a <see cref="CryptographicException"/>.</summary>
    public static bool TryGenerate(EcCurve curve, out byte[] point, out byte[] scalar)
    {
        point = scalar = [];
        if (Volatile.Read(ref s_state) < 0 || !OperatingSystem.IsLinux()) return false;
        nint group;
        try
        {
            group = Groups.GetOrAdd(curve, static c => NewGroup(c));
            Volatile.Write(ref s_state, 1);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            Volatile.Write(ref s_state, -1);
            return false;
        }
        if (group == 0) return false;

        nint key = EC_KEY_new();
        if (key == 0) throw new CryptographicException("EC_KEY_new failed");
        try
        {
            if (EC_KEY_set_group(key, group) != 1 || EC_KEY_generate_key(key) != 1)
                throw Failure("EC_KEY_generate_key");
            point = new byte[1 + 2 * curve.KeyBytes];
            nuint written = EC_POINT_point2oct(group, EC_KEY_get0_public_key(key), PointConversionUncompressed,
                point, (nuint)point.Length, 0);
            if (written != (nuint)point.Length) throw Failure("EC_POINT_point2oct");
            scalar = new byte[curve.KeyBytes];
            if (BN_bn2binpad(EC_KEY_get0_private_key(key), scalar, scalar.Length) != scalar.Length)
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

    private static nint NewGroup(EcCurve curve)
    {
        int nid = OBJ_txt2nid(curve.Oid);
        if (nid == 0)
        {
            ERR_clear_error();
            return 0;
        }
        nint group = EC_GROUP_new_by_curve_name(nid);
        if (group == 0) ERR_clear_error();
        return group;
    }

    private static CryptographicException Failure(string function)
    {
        ERR_clear_error(); // leave the thread's error queue empty, as .NET's shim does before each call
        return new CryptographicException($"{function} failed");
    }

    // Handles only; the arrays are pinned for the call by the default marshaller.
    [DllImport(LibCrypto, ExactSpelling = true, BestFitMapping = false)]
    private static extern int OBJ_txt2nid([MarshalAs(UnmanagedType.LPUTF8Str)] string oid);

    [DllImport(LibCrypto, ExactSpelling = true)]
    private static extern nint EC_GROUP_new_by_curve_name(int nid);

    [DllImport(LibCrypto, ExactSpelling = true)]
    private static extern nint EC_KEY_new();

    [DllImport(LibCrypto, ExactSpelling = true)]
    private static extern int EC_KEY_set_group(nint key, nint group);

    [DllImport(LibCrypto, ExactSpelling = true)]
    private static extern int EC_KEY_generate_key(nint key);

    [DllImport(LibCrypto, ExactSpelling = true)]
    private static extern nint EC_KEY_get0_public_key(nint key);

    [DllImport(LibCrypto, ExactSpelling = true)]
    private static extern nint EC_KEY_get0_private_key(nint key);

    [DllImport(LibCrypto, ExactSpelling = true)]
    private static extern nuint EC_POINT_point2oct(nint group, nint point, int form, [Out] byte[] buf, nuint len, nint ctx);

    [DllImport(LibCrypto, ExactSpelling = true)]
    private static extern int BN_bn2binpad(nint bn, [Out] byte[] to, int toLength);

    [DllImport(LibCrypto, ExactSpelling = true)]
    private static extern void EC_KEY_free(nint key);

    [DllImport(LibCrypto, ExactSpelling = true)]
    private static extern void ERR_clear_error();
}
