namespace CloudHsm.Core.Mechanisms.Mac.Kdf;

/// <summary>RFC 5869 HKDF over any of this family's HMACs.</summary>
internal static class Hkdf
{
    /// <summary>§2.2: PRK = HMAC-Hash(salt, IKM). An empty salt is HashLen zeros, which HMAC's key padding
    /// makes the same thing.</summary>
    public static void Extract(MacAlgorithm hmac, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> ikm, Span<byte> prk) =>
        hmac.Compute(salt, ikm, prk);

    /// <summary>§2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i), OKM the first L bytes of T(1) | T(2) | …
    /// (L ≤ 255·HashLen, checked by the caller).</summary>
    public static void Expand(MacAlgorithm hmac, ReadOnlySpan<byte> prk, ReadOnlySpan<byte> info, Span<byte> okm)
    {
        int hashLength = hmac.MacLength;
        Span<byte> block = stackalloc byte[MacAlgorithm.MaxMacLength];
        block = block[..hashLength];
        using var function = hmac.Create(prk);
        for (int i = 1, offset = 0; offset < okm.Length; i++, offset += hashLength)
        {
            if (i > 1)
                function.Update(block);
            function.Update(info);
            function.Update([(byte)i]);
            function.Final(block);
            int take = Math.Min(hashLength, okm.Length - offset);
            block[..take].CopyTo(okm[offset..]);
        }
        block.Clear();
    }
}
