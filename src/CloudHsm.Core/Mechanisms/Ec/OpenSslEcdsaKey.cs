using System.Runtime.InteropServices;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;
using static CloudHsm.Core.Mechanisms.Ec.LibCryptoEc;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>
/// An EC_KEY of libcrypto's own, made once per key snapshot, signed with by <c>ECDSA_do_sign</c> and
/// checked with <c>ECDSA_do_verify</c>.
/// </summary>
/// <remarks>
/// perf on ecdsa-p256-sign (2026-11-28) put .NET's <c>ECDsa.SignHash</c> at 84 % of <c>openssl speed</c>:
/// each call builds and initialises an EVP_PKEY_CTX (a provider fetch, the key's export to the provider),
/// DER-encodes the signature and decodes it again into r‖s. The low-level calls do only the signing that
/// the provider itself ends in. OpenSSL's providers share one EC_KEY between contexts on many threads, so
/// concurrent signing and verifying with one instance is the library's normal use (pinned by a test).
/// The handle is released by <see cref="SafeHandle"/> (which also keeps it alive during a call on another
/// thread), never by waiting on the finalizer (DESIGN fact 2).
/// </remarks>
internal sealed class OpenSslEcdsaKey : SafeHandle, IEcdsaKey
{
    private readonly int _half;

    private OpenSslEcdsaKey(EcCurve curve) : base(0, ownsHandle: true) => _half = curve.SignatureHalf;

    public override bool IsInvalid => handle == 0;

    /// <summary>The private key with scalar <paramref name="scalar"/> (already checked to be in 1..n-1), or
    /// the public key at <paramref name="point"/> (04‖X‖Y; off the curve is CKR_ATTRIBUTE_VALUE_INVALID).
    /// Null where libcrypto cannot be used for the curve.</summary>
    public static OpenSslEcdsaKey? TryImport(EcCurve curve, byte[]? scalar, byte[]? point)
    {
        if (!TryGroup(curve, out nint group)) return null;
        var key = new OpenSslEcdsaKey(curve);
        nint ecKey = EC_KEY_new();
        if (ecKey == 0) throw Failure("EC_KEY_new");
        key.SetHandle(ecKey);
        try
        {
            if (EC_KEY_set_group(ecKey, group) != 1) throw Failure("EC_KEY_set_group");
            if (scalar is not null) SetPrivate(ecKey, scalar);
            else SetPublic(ecKey, group, point!, curve);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static void SetPrivate(nint ecKey, byte[] scalar)
    {
        nint d = BN_bin2bn(in scalar[0], scalar.Length, 0);
        if (d == 0) throw Failure("BN_bin2bn");
        try
        {
            if (EC_KEY_set_private_key(ecKey, d) != 1) throw Failure("EC_KEY_set_private_key");
        }
        finally
        {
            BN_clear_free(d); // EC_KEY_set_private_key copied it
        }
    }

    private static void SetPublic(nint ecKey, nint group, byte[] point, EcCurve curve)
    {
        nint q = EC_POINT_new(group);
        if (q == 0) throw Failure("EC_POINT_new");
        try
        {
            // oct2point refuses a point off the curve; check_key then refuses the point at infinity and
            // one outside the order-n subgroup, as .NET's import did.
            bool valid = EC_POINT_oct2point(group, q, point, (nuint)point.Length, 0) == 1
                && EC_KEY_set_public_key(ecKey, q) == 1
                && EC_KEY_check_key(ecKey) == 1;
            if (!valid)
            {
                ERR_clear_error();
                throw new CkrException(CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"the key is not a valid {curve} key");
            }
        }
        finally
        {
            EC_POINT_free(q);
        }
    }

    public int Sign(ReadOnlySpan<byte> digest, Span<byte> signature)
    {
        var rs = signature[..(2 * _half)];
        nint sig = ECDSA_do_sign(in MemoryMarshal.GetReference(digest), digest.Length, this);
        if (sig == 0) throw Failure("ECDSA_do_sign");
        try
        {
            ECDSA_SIG_get0(sig, out nint r, out nint s);
            if (BN_bn2binpad(r, ref rs[0], _half) != _half || BN_bn2binpad(s, ref rs[_half], _half) != _half)
                throw Failure("BN_bn2binpad");
            return rs.Length;
        }
        finally
        {
            ECDSA_SIG_free(sig);
        }
    }

    public bool Verify(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != 2 * _half) return false;
        nint sig = ECDSA_SIG_new();
        if (sig == 0) throw Failure("ECDSA_SIG_new");
        try
        {
            nint r = BN_bin2bn(in signature[0], _half, 0);
            nint s = BN_bin2bn(in signature[_half], _half, 0);
            if (r == 0 || s == 0 || ECDSA_SIG_set0(sig, r, s) != 1)
            {
                BN_free(r);
                BN_free(s);
                throw Failure("ECDSA_SIG_set0");
            }
            // 1 valid, 0 invalid, -1 a malformed signature (r or s zero or not below n): invalid as well.
            int result = ECDSA_do_verify(in MemoryMarshal.GetReference(digest), digest.Length, sig, this);
            if (result != 1) ERR_clear_error();
            return result == 1;
        }
        finally
        {
            ECDSA_SIG_free(sig);
        }
    }

    protected override bool ReleaseHandle()
    {
        EC_KEY_free(handle); // clears the private scalar (BN_clear_free)
        return true;
    }
}
