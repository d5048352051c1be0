using System.Security.Cryptography;

namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>What ECDSA needs of a short Weierstrass key: r‖s over a hash, and its check. Safe for
/// concurrent use: one instance serves every operation on the key.</summary>
internal interface IEcdsaKey
{
    /// <summary>Signs <paramref name="digest"/> (OpenSSL truncates a long one to the order's bits) into the
    /// first 2·nLen bytes of <paramref name="signature"/>; returns 2·nLen.</summary>
    int Sign(ReadOnlySpan<byte> digest, Span<byte> signature);

    /// <summary>True only for a valid r‖s of exactly 2·nLen bytes.</summary>
    bool Verify(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature);
}

/// <summary>.NET's ECDsa where libcrypto 3 cannot be called directly (Windows, OpenSSL 1.1).</summary>
internal sealed class DotNetEcdsaKey(ECDsa ecdsa) : IEcdsaKey
{
    private const DSASignatureFormat P1363 = DSASignatureFormat.IeeeP1363FixedFieldConcatenation;

    public int Sign(ReadOnlySpan<byte> digest, Span<byte> signature) => ecdsa.SignHash(digest, signature, P1363);

    public bool Verify(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature) => ecdsa.VerifyHash(digest, signature, P1363);
}
