using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Fuzz.Harness;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Fuzz.Targets;

/// <summary>
/// The object engine with templates of the caller's making: C_CreateObject with the first template,
/// then (if an object was made) reading, copying and using it, and C_SetAttributeValue, C_CopyObject and
/// C_FindObjects with the second. A template is <c>[count] then per attribute [type selector][16-bit
/// length][value]</c>: selectors below 0xF0 pick a known attribute type, the others read a 32-bit type.
/// Values are width-neutral, as TemplateReader hands them to the core (CK_ULONG: 8 bytes LE).
/// </summary>
internal sealed class CreateObjectTarget : FuzzTarget
{
    public override string Name => "create-object";

    public override string Description => "the object engine: C_CreateObject/C_SetAttributeValue/C_CopyObject/C_FindObjects with caller templates";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var hsm = Hsm.Shared;
        try
        {
            var reader = new FuzzInput(input);
            var create = ReadTemplate(ref reader);
            var second = ReadTemplate(ref reader);
            var backend = hsm.Backend;
            ulong handle = 0;
            if (Hsm.Try(() => handle = hsm.Track(backend.CreateObject(hsm.Session, create))))
            {
                KeyExercise.Run(hsm, handle);
                Hsm.Try(() => hsm.Track(backend.CopyObject(hsm.Session, handle, second)));
                Hsm.Try(() => backend.SetAttributeValue(hsm.Session, handle, second));
                backend.GetAttributeValue(hsm.Session, handle, NativeFuzz.KnownTypes);
            }
            backend.FindObjectsInit(hsm.Session, second);
            Span<ulong> found = stackalloc ulong[8];
            backend.FindObjects(hsm.Session, found);
            backend.FindObjectsFinal(hsm.Session);
        }
        finally
        {
            hsm.Reset();
        }
    }

    private static Template ReadTemplate(ref FuzzInput reader)
    {
        int count = reader.Byte() % 32;
        var attributes = new TemplateAttribute[count];
        for (int i = 0; i < count; i++)
        {
            byte selector = reader.Byte();
            var type = selector < 0xF0
                ? NativeFuzz.KnownTypes[selector % NativeFuzz.KnownTypes.Length]
                : (CKA)(reader.UInt16() | ((uint)reader.UInt16() << 16));
            attributes[i] = new TemplateAttribute(type, reader.Prefixed().ToArray());
        }
        return new Template(attributes);
    }

    public override IEnumerable<(string Name, byte[] Input)> Seeds()
    {
        static byte[] Seed(TemplateAttribute[] create, params TemplateAttribute[] second)
        {
            var w = new SeedWriter();
            foreach (var template in new[] { create, second })
            {
                w.Byte((byte)template.Length);
                foreach (var a in template)
                    w.Byte((byte)Array.IndexOf(NativeFuzz.KnownTypes, a.Type)).Prefixed(a.Value);
            }
            return w.ToArray();
        }

        static TemplateAttribute Class(CKO c) => TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)c);
        static TemplateAttribute KeyType(CKK k) => TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)k);
        static TemplateAttribute Bool(CKA type) => TemplateAttribute.Bool(type, true);
        var label = TemplateAttribute.Utf8(CKA.CKA_LABEL, "fuzz");

        yield return ("data", Seed([Class(CKO.CKO_DATA), label, TemplateAttribute.Utf8(CKA.CKA_APPLICATION, "app"),
            new(CKA.CKA_VALUE, [1, 2, 3]), new(CKA.CKA_OBJECT_ID, [0x06, 0x03, 0x2A, 0x03, 0x04])], label));
        yield return ("certificate", Seed([Class(CKO.CKO_CERTIFICATE), TemplateAttribute.ULong(CKA.CKA_CERTIFICATE_TYPE, (ulong)CKC.CKC_X_509),
            new(CKA.CKA_SUBJECT, [0x30, 0x00]), new(CKA.CKA_VALUE, [0x30, 0x03, 0x02, 0x01, 0x01]),
            new(CKA.CKA_START_DATE, "20240101"u8.ToArray()), new(CKA.CKA_END_DATE, []), new(CKA.CKA_ID, [7])],
            new(CKA.CKA_ID, [8]), new(CKA.CKA_SERIAL_NUMBER, [2, 1, 1])));
        yield return ("aes", Seed([Class(CKO.CKO_SECRET_KEY), KeyType(CKK.CKK_AES), new(CKA.CKA_VALUE, RandomNumberGenerator.GetBytes(16)),
            Bool(CKA.CKA_ENCRYPT), Bool(CKA.CKA_DECRYPT), Bool(CKA.CKA_SIGN), Bool(CKA.CKA_VERIFY), Bool(CKA.CKA_EXTRACTABLE),
            new(CKA.CKA_ALLOWED_MECHANISMS, AttributeValues.FromULongArray([(ulong)CKM.CKM_AES_ECB, (ulong)CKM.CKM_AES_CMAC]))],
            TemplateAttribute.Bool(CKA.CKA_ENCRYPT, false), label));
        yield return ("wrapping-key", Seed([Class(CKO.CKO_SECRET_KEY), KeyType(CKK.CKK_AES), new(CKA.CKA_VALUE, RandomNumberGenerator.GetBytes(32)),
            Bool(CKA.CKA_WRAP), Bool(CKA.CKA_UNWRAP), Bool(CKA.CKA_SENSITIVE),
            new(CKA.CKA_WRAP_TEMPLATE, AttributeCodec.Encode([new(CKA.CKA_EXTRACTABLE, [1]), new(CKA.CKA_KEY_TYPE, AttributeValues.FromULong((ulong)CKK.CKK_AES))])),
            new(CKA.CKA_UNWRAP_TEMPLATE, AttributeCodec.Encode([new(CKA.CKA_SIGN, [1])]))],
            TemplateAttribute.Bool(CKA.CKA_EXTRACTABLE, false)));
        yield return ("generic-secret", Seed([Class(CKO.CKO_SECRET_KEY), KeyType(CKK.CKK_GENERIC_SECRET),
            new(CKA.CKA_VALUE, RandomNumberGenerator.GetBytes(20)), Bool(CKA.CKA_SIGN), Bool(CKA.CKA_VERIFY), Bool(CKA.CKA_DERIVE),
            new(CKA.CKA_DERIVE_TEMPLATE, AttributeCodec.Encode([new(CKA.CKA_SIGN, [1])]))]));
        using (var rsa = RSA.Create(2048))
        {
            var p = rsa.ExportParameters(includePrivateParameters: true);
            yield return ("rsa-private", Seed([Class(CKO.CKO_PRIVATE_KEY), KeyType(CKK.CKK_RSA), new(CKA.CKA_MODULUS, p.Modulus!),
                new(CKA.CKA_PUBLIC_EXPONENT, p.Exponent!), new(CKA.CKA_PRIVATE_EXPONENT, p.D!), new(CKA.CKA_PRIME_1, p.P!),
                new(CKA.CKA_PRIME_2, p.Q!), new(CKA.CKA_EXPONENT_1, p.DP!), new(CKA.CKA_EXPONENT_2, p.DQ!),
                new(CKA.CKA_COEFFICIENT, p.InverseQ!), Bool(CKA.CKA_SIGN), Bool(CKA.CKA_DECRYPT), Bool(CKA.CKA_EXTRACTABLE), label],
                TemplateAttribute.Bool(CKA.CKA_SIGN, false)));
            yield return ("rsa-public", Seed([Class(CKO.CKO_PUBLIC_KEY), KeyType(CKK.CKK_RSA), new(CKA.CKA_MODULUS, p.Modulus!),
                new(CKA.CKA_PUBLIC_EXPONENT, p.Exponent!), Bool(CKA.CKA_VERIFY), Bool(CKA.CKA_ENCRYPT)], label));
        }
        using (var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var p = ec.ExportParameters(includePrivateParameters: true);
            yield return ("ec-private", Seed([Class(CKO.CKO_PRIVATE_KEY), KeyType(CKK.CKK_EC), new(CKA.CKA_EC_PARAMS, Curves.P256),
                new(CKA.CKA_VALUE, p.D!), Bool(CKA.CKA_SIGN), Bool(CKA.CKA_DERIVE), Bool(CKA.CKA_EXTRACTABLE)]));
            yield return ("ec-public", Seed([Class(CKO.CKO_PUBLIC_KEY), KeyType(CKK.CKK_EC), new(CKA.CKA_EC_PARAMS, Curves.P256),
                new(CKA.CKA_EC_POINT, [0x04, 65, 0x04, .. p.Q.X!, .. p.Q.Y!]), Bool(CKA.CKA_VERIFY)]));
        }
    }
}
