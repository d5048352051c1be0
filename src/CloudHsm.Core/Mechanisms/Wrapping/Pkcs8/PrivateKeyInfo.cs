using System.Formats.Asn1;
using System.Security.Cryptography;

namespace CloudHsm.Core.Mechanisms.Wrapping.Pkcs8;

/// <summary>
/// The PKCS#8 envelope (RFC 5208 PrivateKeyInfo; RFC 5958 OneAsymmetricKey read too):
/// <c>SEQUENCE { version, AlgorithmIdentifier { algorithm, parameters OPTIONAL }, privateKey OCTET STRING,
/// [0] attributes OPTIONAL, [1] publicKey OPTIONAL }</c>. <see cref="Parameters"/> is the encoded
/// parameters element, or null when absent.
/// </summary>
internal sealed record PrivateKeyInfo(string Algorithm, byte[]? Parameters, byte[] PrivateKey)
{
    /// <summary>DER, as PKCS#8 producers (OpenSSL, the BCL) write it: version 0, no attributes.</summary>
    public static byte[] Write(string algorithm, ReadOnlySpan<byte> encodedParameters, ReadOnlySpan<byte> privateKey)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        try
        {
            using (writer.PushSequence())
            {
                writer.WriteInteger(0);
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(algorithm);
                    if (!encodedParameters.IsEmpty) writer.WriteEncodedValue(encodedParameters);
                }
                writer.WriteOctetString(privateKey);
            }
            return writer.Encode();
        }
        finally
        {
            writer.Reset(); // clears the writer's buffer, which held the key
        }
    }

    /// <summary>Reads BER (§6.7 says BER-encoded); throws <see cref="AsnContentException"/> on anything
    /// else. Attributes and an RFC 5958 public key are skipped: §6.7 leaves the public key to the token.</summary>
    public static PrivateKeyInfo Read(ReadOnlyMemory<byte> encoded)
    {
        var outer = new AsnReader(encoded, AsnEncodingRules.BER);
        var sequence = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        if (!sequence.TryReadInt32(out int version) || version is not (0 or 1))
            throw new AsnContentException("unsupported PrivateKeyInfo version");
        var algorithmIdentifier = sequence.ReadSequence();
        string algorithm = algorithmIdentifier.ReadObjectIdentifier();
        byte[]? parameters = algorithmIdentifier.HasData ? algorithmIdentifier.ReadEncodedValue().ToArray() : null;
        algorithmIdentifier.ThrowIfNotEmpty();
        byte[] privateKey = sequence.ReadOctetString();
        var attributes = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        if (sequence.HasData && sequence.PeekTag().HasSameClassAndValue(attributes)) sequence.ReadEncodedValue();
        var publicKey = new Asn1Tag(TagClass.ContextSpecific, 1);
        if (sequence.HasData && sequence.PeekTag().HasSameClassAndValue(publicKey)) sequence.ReadEncodedValue();
        sequence.ThrowIfNotEmpty();
        return new PrivateKeyInfo(algorithm, parameters, privateKey);
    }

    public void Zero() => CryptographicOperations.ZeroMemory(PrivateKey);
}
