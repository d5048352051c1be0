using System.Numerics;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects.Engine;

/// <summary>Fills in and checks the attributes the token derives (<see cref="Derivation"/>).</summary>
internal static class DerivedValues
{
    public static void Apply(ObjectSchema schema, IDictionary<CKA, byte[]> attributes)
    {
        foreach (var derivation in schema.Derivations)
        {
            // Nothing to derive from (a certificate given by URL only): the caller's value stands.
            if (!attributes.TryGetValue(derivation.Source, out var source) || source.Length == 0)
                continue;
            byte[] derived = Compute(derivation.Kind, source);
            if (!attributes.TryGetValue(derivation.Target, out var given))
            {
                attributes[derivation.Target] = derived;
                continue;
            }
            if (derivation.IsCheckValue && given.Length == 0)
                continue; // §4.11: an empty KCV suppresses (or, on a change, destroys) it.
            CkrException.ThrowIf(!given.AsSpan().SequenceEqual(derived), derivation.MismatchCode,
                $"{AttributeCatalog.Name(derivation.Target)} does not match {AttributeCatalog.Name(derivation.Source)}");
        }
    }

    public static byte[] Compute(DerivationKind kind, ReadOnlySpan<byte> source) => kind switch
    {
        DerivationKind.ByteLength => AttributeValues.FromULong((ulong)source.Length),
        DerivationKind.BitLength => AttributeValues.FromULong((ulong)BitLength(source)),
        DerivationKind.CheckValueAesEcb => CheckValues.AesEcb(source),
        DerivationKind.CheckValueDes3Ecb => CheckValues.Des3Ecb(source),
        DerivationKind.CheckValueSha1 => CheckValues.Sha1(source),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Bits of a big-endian unsigned integer, leading zero bytes and bits not counted.</summary>
    private static long BitLength(ReadOnlySpan<byte> bigEndian)
    {
        int first = bigEndian.IndexOfAnyExcept((byte)0);
        if (first < 0)
            return 0;
        return (bigEndian.Length - first - 1) * 8L + (32 - BitOperations.LeadingZeroCount((uint)bigEndian[first]));
    }
}
