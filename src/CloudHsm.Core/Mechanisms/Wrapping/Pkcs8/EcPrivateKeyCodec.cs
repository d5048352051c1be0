using System.Formats.Asn1;
using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Wrapping.Pkcs8;

/// <summary>
/// Short Weierstrass EC private keys in PKCS#8 (§6.7): algorithm id-ecPublicKey with the namedCurve OID
/// (the CKA_EC_PARAMS of the key) as parameters, and RFC 5915's ECPrivateKey
/// <c>{ version 1, privateKey OCTET STRING, [0] parameters (omitted, §6.7), [1] publicKey }</c>.
/// The layout is the BCL's and OpenSSL's, public key included.
/// </summary>
internal static class EcPrivateKeyCodec
{
    /// <summary>The named curves wrapped here and the width of their private scalars (RFC 5915: the
    /// privateKey octet string is ceiling(log2(n)/8) bytes).</summary>
    private static readonly Dictionary<string, int> ScalarLengths = new()
    {
        ["1.2.840.10045.3.1.7"] = 32, // P-256
        ["1.3.132.0.34"] = 48,        // P-384
        ["1.3.132.0.35"] = 66,        // P-521
        ["1.3.132.0.10"] = 32,        // secp256k1
    };

    private static readonly Asn1Tag ParametersTag = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag PublicKeyTag = new(TagClass.ContextSpecific, 1, isConstructed: true);

    public static byte[] Encode(HsmObject key)
    {
        byte[] ecParams = key.GetValue(CKA.CKA_EC_PARAMS).ToArray();
        string curve = NamedCurve(ecParams)
            ?? throw new CkrException(CKR.CKR_KEY_NOT_WRAPPABLE, "only keys on the named curves P-256, P-384, P-521 and secp256k1 are wrapped");
        int scalarLength = ScalarLengths[curve];
        var scalar = UnsignedIntegers.TrimLeadingZeros(key.GetValue(CKA.CKA_VALUE).Span);
        CkrException.ThrowIf(scalar.IsEmpty || scalar.Length > scalarLength, CKR.CKR_KEY_NOT_WRAPPABLE, "the EC key's value is not a scalar of its curve");
        byte[] d = UnsignedIntegers.PadTo(scalar.ToArray(), scalarLength);
        byte[]? publicPoint = PublicPoint(curve, d);

        var writer = new AsnWriter(AsnEncodingRules.DER);
        byte[]? ecPrivateKey = null;
        try
        {
            using (writer.PushSequence())
            {
                writer.WriteInteger(1);
                writer.WriteOctetString(d);
                if (publicPoint is not null)
                    using (writer.PushSequence(PublicKeyTag))
                        writer.WriteBitString(publicPoint);
            }
            ecPrivateKey = writer.Encode();
            return PrivateKeyInfo.Write(Oids.EcPublicKey, ecParams, ecPrivateKey);
        }
        finally
        {
            writer.Reset();
            CryptographicOperations.ZeroMemory(d);
            CryptographicOperations.ZeroMemory(ecPrivateKey);
        }
    }

    /// <summary>CKA_EC_PARAMS (the curve OID, DER) and CKA_VALUE (the scalar at its curve's width). A curve
    /// given other than as one of the supported named curves is CKR_CURVE_NOT_SUPPORTED. The optional
    /// public key is not kept: §6.7 leaves what to do with it to the token, and the scalar determines it.</summary>
    public static Dictionary<CKA, byte[]> Decode(PrivateKeyInfo info)
    {
        var parameters = info.Parameters ?? throw new AsnContentException("id-ecPublicKey needs the curve as parameters");
        string curve = NamedCurve(parameters)
            ?? throw new CkrException(CKR.CKR_CURVE_NOT_SUPPORTED, "the wrapped EC key is not on a supported named curve");
        int scalarLength = ScalarLengths[curve];

        var outer = new AsnReader(info.PrivateKey, AsnEncodingRules.BER);
        var sequence = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        if (!sequence.TryReadInt32(out int version) || version != 1)
            throw new AsnContentException("ECPrivateKey version must be 1");
        byte[] raw = sequence.ReadOctetString();
        try
        {
            if (sequence.HasData && sequence.PeekTag().HasSameClassAndValue(ParametersTag))
            {
                var inner = sequence.ReadSequence(ParametersTag);
                if (!inner.ReadEncodedValue().Span.SequenceEqual(parameters))
                    throw new AsnContentException("ECPrivateKey names another curve than PrivateKeyInfo");
                inner.ThrowIfNotEmpty();
            }
            if (sequence.HasData && sequence.PeekTag().HasSameClassAndValue(PublicKeyTag)) sequence.ReadEncodedValue();
            sequence.ThrowIfNotEmpty();

            var scalar = UnsignedIntegers.TrimLeadingZeros(raw);
            if (scalar.IsEmpty || scalar.Length > scalarLength) throw new AsnContentException("the private key is not a scalar of its curve");
            return new Dictionary<CKA, byte[]>
            {
                [CKA.CKA_EC_PARAMS] = (byte[])parameters.Clone(),
                [CKA.CKA_VALUE] = UnsignedIntegers.PadTo(scalar.ToArray(), scalarLength),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    /// <summary>The curve OID when <paramref name="ecParams"/> is a DER namedCurve this codec knows, else null.</summary>
    private static string? NamedCurve(ReadOnlySpan<byte> ecParams)
    {
        try
        {
            var reader = new AsnReader(ecParams.ToArray(), AsnEncodingRules.DER);
            string oid = reader.ReadObjectIdentifier();
            reader.ThrowIfNotEmpty();
            return ScalarLengths.ContainsKey(oid) ? oid : null;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>The uncompressed public point 04||X||Y, computed from the scalar; null if the BCL cannot
    /// (the field is optional, so its absence never blocks a wrap).</summary>
    private static byte[]? PublicPoint(string curve, byte[] d)
    {
        byte[] dCopy = (byte[])d.Clone();
        try
        {
            using var ec = ECDsa.Create(new ECParameters { Curve = ECCurve.CreateFromValue(curve), D = dCopy });
            var q = ec.ExportParameters(includePrivateParameters: false).Q;
            return [0x04, .. q.X!, .. q.Y!];
        }
        catch (CryptographicException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dCopy);
        }
    }
}
