using System.Formats.Asn1;
using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Wrapping.Pkcs8;

/// <summary>
/// RSA private keys in PKCS#8 (§6.7): algorithm rsaEncryption with NULL parameters, and PKCS#1's
/// RSAPrivateKey <c>{ version 0, n, e, d, p, q, dP, dQ, qInv }</c>. §6.7: without every CRT value the key
/// "must not" be prepared for wrapping — CKR_KEY_NOT_WRAPPABLE.
/// </summary>
internal static class RsaPrivateKeyCodec
{
    /// <summary>RSAPrivateKey's fields after the version, in order.</summary>
    private static readonly CKA[] Components =
    [
        CKA.CKA_MODULUS, CKA.CKA_PUBLIC_EXPONENT, CKA.CKA_PRIVATE_EXPONENT, CKA.CKA_PRIME_1, CKA.CKA_PRIME_2,
        CKA.CKA_EXPONENT_1, CKA.CKA_EXPONENT_2, CKA.CKA_COEFFICIENT,
    ];

    private static readonly byte[] NullParameters = [0x05, 0x00];

    public static byte[] Encode(HsmObject key)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        byte[]? rsaPrivateKey = null;
        try
        {
            using (writer.PushSequence())
            {
                writer.WriteInteger(0);
                foreach (var type in Components)
                {
                    CkrException.ThrowIf(!key.TryGetValue(type, out var value) || value.IsEmpty, CKR.CKR_KEY_NOT_WRAPPABLE,
                        $"the RSA key has no {type}");
                    UnsignedIntegers.Write(writer, key.GetValue(type).Span);
                }
            }
            rsaPrivateKey = writer.Encode();
            return PrivateKeyInfo.Write(Oids.RsaEncryption, NullParameters, rsaPrivateKey);
        }
        finally
        {
            writer.Reset();
            CryptographicOperations.ZeroMemory(rsaPrivateKey);
        }
    }

    /// <summary>The components, with d padded to the modulus's width and the CRT values to half of it:
    /// the shape the BCL's RSAParameters need, which keys generated here have too.</summary>
    public static Dictionary<CKA, byte[]> Decode(PrivateKeyInfo info)
    {
        if (info.Parameters is not null && !info.Parameters.AsSpan().SequenceEqual(NullParameters))
            throw new AsnContentException("rsaEncryption takes NULL parameters");
        var outer = new AsnReader(info.PrivateKey, AsnEncodingRules.BER);
        var sequence = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        if (!sequence.TryReadInt32(out int version) || version != 0)
            throw new AsnContentException("only two-prime RSA keys (version 0) are supported");
        var values = new Dictionary<CKA, byte[]>();
        try
        {
            foreach (var type in Components)
                values[type] = UnsignedIntegers.Read(sequence);
            sequence.ThrowIfNotEmpty();

            int modulusLength = values[CKA.CKA_MODULUS].Length;
            int halfLength = (modulusLength + 1) / 2;
            values[CKA.CKA_PRIVATE_EXPONENT] = UnsignedIntegers.PadTo(values[CKA.CKA_PRIVATE_EXPONENT], modulusLength);
            foreach (var type in (CKA[])[CKA.CKA_PRIME_1, CKA.CKA_PRIME_2, CKA.CKA_EXPONENT_1, CKA.CKA_EXPONENT_2, CKA.CKA_COEFFICIENT])
                values[type] = UnsignedIntegers.PadTo(values[type], halfLength);
            return values;
        }
        catch
        {
            KeyCodec.Zero(values);
            throw;
        }
    }
}
