using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Fuzz.Harness;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Fuzz.Targets;

/// <summary>
/// C_UnwrapKey: the wrapped bytes are the caller's. Two shapes:
/// <list type="bullet">
/// <item>plaintext (first byte &lt; 0x80): the harness encrypts the rest with AES-CBC-PAD under the token's
/// AES key, so the bytes reach <c>KeyCodec.Decode</c> — PKCS#8 PrivateKeyInfo with RSA (PKCS#1), EC (RFC 5915)
/// and RFC 8410 keys, or a secret key's value and CKA_VALUE_LEN;</item>
/// <item>ciphertext (first byte ≥ 0x80): the rest goes as is to one of the unwrap mechanisms (AES key wrap
/// with and without padding, KWP, CBC-PAD, ECB, RSA PKCS#1 v1.5), exercising their unpadding.</item>
/// </list>
/// The next bytes choose the template's class and key type (and omit either now and then). A key that
/// unwraps is then used (<see cref="KeyExercise"/>).
/// </summary>
internal sealed class UnwrapTarget : FuzzTarget
{
    private static readonly byte[] Iv = [.. Enumerable.Range(0, 16).Select(i => (byte)(0x10 + i))];

    private static readonly CKO[] Classes = [CKO.CKO_SECRET_KEY, CKO.CKO_PRIVATE_KEY, CKO.CKO_PUBLIC_KEY, CKO.CKO_DATA];

    private static readonly CKK[] KeyTypes =
    [
        CKK.CKK_AES, CKK.CKK_GENERIC_SECRET, CKK.CKK_RSA, CKK.CKK_EC, CKK.CKK_EC_EDWARDS, CKK.CKK_EC_MONTGOMERY,
        CKK.CKK_DES3, CKK.CKK_SHA256_HMAC, CKK.CKK_HKDF,
    ];

    public override string Name => "unwrap";

    public override string Description => "C_UnwrapKey: PKCS#8 / secret-key plaintexts (KeyCodec) and raw ciphertexts for each unwrap mechanism";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var hsm = Hsm.Shared;
        try
        {
            var reader = new FuzzInput(input);
            byte mode = reader.Byte();
            var template = ReadTemplate(ref reader);
            var rest = reader.Rest();
            Mechanism mechanism;
            ulong unwrappingKey = hsm.AesKey;
            byte[] wrapped;
            if (mode < 0x80)
            {
                mechanism = new Mechanism(CKM.CKM_AES_CBC_PAD, new ByteArrayParameter(Iv));
                using var aes = Aes.Create();
                aes.Key = hsm.AesKeyValue;
                wrapped = aes.EncryptCbc(rest, Iv, PaddingMode.PKCS7);
            }
            else
            {
                (mechanism, unwrappingKey) = ((mode & 0x7F) % 6) switch
                {
                    0 => (new Mechanism(CKM.CKM_AES_KEY_WRAP), hsm.AesKey),
                    1 => (new Mechanism(CKM.CKM_AES_KEY_WRAP_PAD), hsm.AesKey),
                    2 => (new Mechanism(CKM.CKM_AES_KEY_WRAP_KWP), hsm.AesKey),
                    3 => (new Mechanism(CKM.CKM_AES_CBC_PAD, new ByteArrayParameter(Iv)), hsm.AesKey),
                    4 => (new Mechanism(CKM.CKM_AES_ECB), hsm.AesKey),
                    _ => (new Mechanism(CKM.CKM_RSA_PKCS), hsm.Rsa.Private),
                };
                wrapped = rest.ToArray();
            }
            ulong key = hsm.Track(hsm.Backend.UnwrapKey(hsm.Session, mechanism, unwrappingKey, wrapped, template));
            KeyExercise.Run(hsm, key);
        }
        finally
        {
            hsm.Reset();
        }
    }

    /// <summary>[flags][class][key type][CKA_VALUE_LEN if flag 4]: flag 1 omits CKA_CLASS, 2 omits CKA_KEY_TYPE.</summary>
    private static Template ReadTemplate(ref FuzzInput reader)
    {
        byte flags = reader.Byte();
        byte classSelector = reader.Byte();
        byte typeSelector = reader.Byte();
        var attributes = new List<TemplateAttribute>();
        if ((flags & 1) == 0)
            attributes.Add(TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)Classes[classSelector % Classes.Length]));
        if ((flags & 2) == 0)
            attributes.Add(TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)KeyTypes[typeSelector % KeyTypes.Length]));
        if ((flags & 4) != 0)
            attributes.Add(TemplateAttribute.ULong(CKA.CKA_VALUE_LEN, reader.UInt16()));
        attributes.Add(TemplateAttribute.Bool(CKA.CKA_EXTRACTABLE, true));
        attributes.Add(TemplateAttribute.Bool(CKA.CKA_SIGN, true));
        if ((flags & 8) != 0)
            attributes.Add(TemplateAttribute.Bool(CKA.CKA_DECRYPT, true));
        if ((flags & 16) != 0)
            attributes.Add(TemplateAttribute.Bool(CKA.CKA_DERIVE, true));
        return new Template(attributes);
    }

    public override IEnumerable<(string Name, byte[] Input)> Seeds()
    {
        static byte[] Plain(byte flags, CKO objectClass, CKK keyType, ReadOnlySpan<byte> plaintext, ushort valueLen = 0)
        {
            var w = new SeedWriter().Byte(0).Byte(flags).Byte((byte)Array.IndexOf(Classes, objectClass))
                .Byte((byte)Array.IndexOf(KeyTypes, keyType));
            if ((flags & 4) != 0) w.UInt16(valueLen);
            return w.Bytes(plaintext).ToArray();
        }

        using (var rsa = RSA.Create(2048))
            yield return ("rsa-pkcs8", Plain(8, CKO.CKO_PRIVATE_KEY, CKK.CKK_RSA, rsa.ExportPkcs8PrivateKey()));
        using (var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256))
            yield return ("ec-p256-pkcs8", Plain(16, CKO.CKO_PRIVATE_KEY, CKK.CKK_EC, ec.ExportPkcs8PrivateKey()));
        using (var ec = ECDsa.Create(ECCurve.NamedCurves.nistP521))
            yield return ("ec-p521-pkcs8", Plain(16, CKO.CKO_PRIVATE_KEY, CKK.CKK_EC, ec.ExportPkcs8PrivateKey()));
        yield return ("ed25519-pkcs8", Plain(0, CKO.CKO_PRIVATE_KEY, CKK.CKK_EC_EDWARDS, Rfc8410("1.3.101.112", 32)));
        yield return ("ed448-pkcs8", Plain(0, CKO.CKO_PRIVATE_KEY, CKK.CKK_EC_EDWARDS, Rfc8410("1.3.101.113", 57)));
        yield return ("x25519-pkcs8", Plain(16, CKO.CKO_PRIVATE_KEY, CKK.CKK_EC_MONTGOMERY, Rfc8410("1.3.101.110", 32)));
        yield return ("aes-value", Plain(0, CKO.CKO_SECRET_KEY, CKK.CKK_AES, RandomNumberGenerator.GetBytes(32)));
        yield return ("aes-value-len", Plain(4, CKO.CKO_SECRET_KEY, CKK.CKK_AES, [.. RandomNumberGenerator.GetBytes(24), 0, 0, 0, 0, 0, 0, 0, 0], 24));
        yield return ("generic-secret", Plain(0, CKO.CKO_SECRET_KEY, CKK.CKK_GENERIC_SECRET, RandomNumberGenerator.GetBytes(20)));
        yield return ("kwp-ciphertext", new SeedWriter().Byte(0x80 + 2).Byte(0).Byte(0).Byte(0).Bytes(RandomNumberGenerator.GetBytes(40)).ToArray());
        yield return ("kw-ciphertext", new SeedWriter().Byte(0x80 + 0).Byte(0).Byte(0).Byte(0).Bytes(RandomNumberGenerator.GetBytes(40)).ToArray());
        yield return ("rsa-ciphertext", new SeedWriter().Byte(0x80 + 5).Byte(0).Byte(0).Byte(0).Bytes(RandomNumberGenerator.GetBytes(256)).ToArray());
    }

    /// <summary>An RFC 8410 PrivateKeyInfo: the curve OID, no parameters, CurvePrivateKey (an OCTET STRING).</summary>
    private static byte[] Rfc8410(string oid, int keyLength)
    {
        var inner = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        inner.WriteOctetString(RandomNumberGenerator.GetBytes(keyLength));
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(0);
            using (writer.PushSequence())
                writer.WriteObjectIdentifier(oid);
            writer.WriteOctetString(inner.Encode());
        }
        return writer.Encode();
    }
}
