using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>
/// The part of OpenSSL's libcrypto 3 that the short Weierstrass curves use directly: the library .NET's own
/// EC classes run on (DESIGN fact 4), called without the per-call work .NET adds around it
/// (<see cref="OpenSslEcKeyGen"/>, <see cref="OpenSslEcdsaKey"/> say what that is).
/// </summary>
/// <remarks>
/// Only handles (<c>nint</c>, <see cref="OpenSslEcdsaKey"/>) and pinned managed bytes cross, so the core
/// stays free of unsafe code. Where libcrypto 3 cannot be loaded (Windows, a system with OpenSSL 1.1 only)
/// or a curve is unknown to it, <see cref="TryGroup"/> says so and callers use .NET. The group handles are
/// never freed: one per curve for the life of the process, like the mechanism table. OpenSSL objects survive
/// fork (they are plain memory, and OpenSSL's DRBG reseeds in a child). Every failure clears the thread's
/// error queue, as .NET's shim does before each call, so no stale error misleads the next caller.
/// </remarks>
internal static class LibCryptoEc
{
    private const string LibCrypto = "libcrypto.so.3";
    public const int PointConversionUncompressed = 4;

    /// <summary>0 while not yet tried, 1 usable, -1 not usable (library or symbol missing).</summary>
    private static int s_state;

    /// <summary>One EC_GROUP per curve (nint.Zero: OpenSSL does not know the curve).</summary>
    private static readonly ConcurrentDictionary<EcCurve, nint> Groups = new();

    /// <summary>The curve's shared EC_GROUP, or false when OpenSSL cannot be used here for it.</summary>
    public static bool TryGroup(EcCurve curve, out nint group)
    {
        group = 0;
        if (Volatile.Read(ref s_state) < 0 || !OperatingSystem.IsLinux()) return false;
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
        return group != 0;
    }

    public static CryptographicException Failure(string function)
    {
        ERR_clear_error();
        return new CryptographicException($"{function} failed");
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

    // Managed arrays and refs are pinned for the call by the default marshaller.
    [DllImport(LibCrypto, ExactSpelling = true, BestFitMapping = false)]
    private static extern int OBJ_txt2nid([MarshalAs(UnmanagedType.LPUTF8Str)] string oid);

    [DllImport(LibCrypto, ExactSpelling = true)]
    private static extern nint EC_GROUP_new_by_curve_name(int nid);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern void ERR_clear_error();

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern nint EC_KEY_new();

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern void EC_KEY_free(nint key);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern int EC_KEY_set_group(nint key, nint group);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern int EC_KEY_generate_key(nint key);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern nint EC_KEY_get0_public_key(nint key);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern nint EC_KEY_get0_private_key(nint key);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern int EC_KEY_set_private_key(nint key, nint bn);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern int EC_KEY_set_public_key(nint key, nint point);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern int EC_KEY_check_key(nint key);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern nint EC_POINT_new(nint group);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern void EC_POINT_free(nint point);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern int EC_POINT_oct2point(nint group, nint point, byte[] buf, nuint len, nint ctx);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern nuint EC_POINT_point2oct(nint group, nint point, int form, [Out] byte[] buf, nuint len, nint ctx);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern nint BN_bin2bn(in byte s, int length, nint ret);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern int BN_bn2binpad(nint bn, ref byte to, int toLength);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern void BN_free(nint bn);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern void BN_clear_free(nint bn);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern nint ECDSA_do_sign(in byte digest, int digestLength, OpenSslEcdsaKey key);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern int ECDSA_do_verify(in byte digest, int digestLength, nint signature, OpenSslEcdsaKey key);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern nint ECDSA_SIG_new();

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern void ECDSA_SIG_free(nint signature);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern void ECDSA_SIG_get0(nint signature, out nint r, out nint s);

    [DllImport(LibCrypto, ExactSpelling = true)]
    public static extern int ECDSA_SIG_set0(nint signature, nint r, nint s);
}
