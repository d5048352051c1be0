using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Fuzz.Harness;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Fuzz.Targets;

/// <summary>
/// The boundary's template marshalling both ways. In: <see cref="TemplateReader"/> over a caller's
/// CK_ATTRIBUTE array (<see cref="NativeFuzz.Attributes"/>: nested templates, NULL values with lengths,
/// lengths beyond an int, sizes that fit no CK_ULONG); it may only answer CKR_ATTRIBUTE_TYPE_INVALID,
/// CKR_ATTRIBUTE_VALUE_INVALID or CKR_ARGUMENTS_BAD, and what it reads must survive the core's codec.
/// Out: <see cref="AttributeWriter"/> answering a second, C_GetAttributeValue-style template (honest
/// buffers of any size, NULL for a size query, nested arrays for the three-call convention) from the
/// values read; a complete answer must read back as the same values.
/// </summary>
internal sealed unsafe class TemplateTarget : FuzzTarget
{
    public override string Name => "template";

    public override string Description => "TemplateReader (CK_ATTRIBUTE arrays in) and AttributeWriter (C_GetAttributeValue out)";

    public override bool IsRefusal(Exception e) =>
        e is CkrException { Rv: CKR.CKR_ATTRIBUTE_TYPE_INVALID or CKR.CKR_ATTRIBUTE_VALUE_INVALID or CKR.CKR_ARGUMENTS_BAD };

    public override void Run(ReadOnlySpan<byte> input)
    {
        using var arena = new NativeArena();
        var reader = new FuzzInput(input);
        var pTemplate = NativeFuzz.Attributes(ref reader, arena, 0, out var count);
        TemplateReader.ReadTypes(pTemplate, count);
        var template = TemplateReader.Read(pTemplate, count);

        var decoded = AttributeCodec.DecodeTemplate(AttributeCodec.Encode(template));
        if (decoded.Count != template.Count || !template.Zip(decoded).All(p => p.First.Type == p.Second.Type && p.First.Value.AsSpan().SequenceEqual(p.Second.Value)))
            throw new FuzzOracleException("a template read from the caller does not survive AttributeCodec");

        WriteBack(ref reader, arena, template);
    }

    /// <summary>C_GetAttributeValue: a caller template of types picked from the input, answered from
    /// <paramref name="values"/> (absent types are invalid for the object; a flag makes one sensitive).</summary>
    private static void WriteBack(ref FuzzInput reader, NativeArena arena, Template values)
    {
        int n = reader.Byte() % 12;
        var output = arena.Alloc<CK_ATTRIBUTE>(n);
        var answers = new AttributeRead?[n];
        for (int i = 0; i < n; i++)
        {
            ref var a = ref output[i];
            a.type = NativeFuzz.AttributeType(ref reader);
            byte flags = reader.Byte();
            CKA? type = (ulong)a.type <= uint.MaxValue ? (CKA)(uint)a.type : null;
            byte[]? value = type is { } t ? values.Find(t) : null;
            answers[i] = type is not { } known ? null
                : (flags & 1) != 0 ? new AttributeRead(known, AttributeReadStatus.Sensitive, null)
                : value is null ? new AttributeRead(known, AttributeReadStatus.TypeInvalid, null)
                : new AttributeRead(known, AttributeReadStatus.Ok, value);
            CallerBuffer(ref reader, arena, ref a, (flags & 2) != 0);
        }
        var template = new Span<CK_ATTRIBUTE>(output, n);
        var rv = AttributeWriter.Write(template, answers);
        if (rv != CKR.CKR_OK)
            return;
        // Every value was written in full: reading the caller's template back gives the same values.
        var reread = TemplateReader.Read(output, (CK_ULONG)n);
        for (int i = 0; i < n; i++)
        {
            if (answers[i] is { Value: { } expected } && !reread[i].Value.AsSpan().SequenceEqual(expected))
                throw new FuzzOracleException($"{reread[i].Type} was written back as other bytes than the core's value");
        }
    }

    /// <summary>What a C_GetAttributeValue caller supplies for one entry: NULL (a size query) or a real
    /// buffer of the length it claims; for a nested type, optionally a CK_ATTRIBUTE array whose entries
    /// have buffers of their own (Pkcs11Interop's third call).</summary>
    private static void CallerBuffer(ref FuzzInput reader, NativeArena arena, ref CK_ATTRIBUTE a, bool nestedArray)
    {
        byte mode = reader.Byte();
        if (mode % 4 == 0)
        {
            a.pValue = null;
            a.ulValueLen = (CK_ULONG)reader.UInt16();
            return;
        }
        if (nestedArray)
        {
            int entries = reader.Byte() % 8;
            var inner = arena.Alloc<CK_ATTRIBUTE>(entries);
            for (int i = 0; i < entries; i++)
            {
                int length = reader.Byte();
                inner[i].pValue = reader.Bool() ? null : arena.Alloc(length);
                inner[i].ulValueLen = (CK_ULONG)length;
            }
            a.pValue = inner;
            a.ulValueLen = (CK_ULONG)(entries * sizeof(CK_ATTRIBUTE));
            return;
        }
        int size = reader.UInt16() % 4096;
        a.pValue = arena.Alloc(size);
        a.ulValueLen = (CK_ULONG)size;
    }

    public override IEnumerable<(string Name, byte[] Input)> Seeds()
    {
        static byte Type(CKA type) => (byte)Array.IndexOf(NativeFuzz.KnownTypes, type);
        static SeedWriter Value(SeedWriter w, byte[] value) => w.Byte(5).Prefixed(value);

        var simple = new SeedWriter().Byte(3);
        Value(simple.Byte(Type(CKA.CKA_CLASS)), BitConverter.GetBytes((ulong)CKO.CKO_SECRET_KEY));
        Value(simple.Byte(Type(CKA.CKA_TOKEN)), [1]);
        Value(simple.Byte(Type(CKA.CKA_LABEL)), "label"u8.ToArray());
        simple.Byte(0); // not a NULL array
        simple.Byte(3).Byte(Type(CKA.CKA_CLASS)).Byte(0).Byte(1).UInt16(8)
            .Byte(Type(CKA.CKA_LABEL)).Byte(0).Byte(0).UInt16(0)
            .Byte(Type(CKA.CKA_TOKEN)).Byte(1).Byte(1).UInt16(1);
        yield return ("simple", simple.ToArray());

        var nested = new SeedWriter().Byte(2);
        nested.Byte(Type(CKA.CKA_WRAP_TEMPLATE)).Byte(2);                       // a nested array of two entries
        Value(nested.Byte(Type(CKA.CKA_KEY_TYPE)), BitConverter.GetBytes((ulong)CKK.CKK_AES));
        Value(nested.Byte(Type(CKA.CKA_EXTRACTABLE)), [0]);
        nested.Byte(0).Byte(0);                                                 // not NULL; exact byte length
        Value(nested.Byte(Type(CKA.CKA_ALLOWED_MECHANISMS)), [.. BitConverter.GetBytes(0x1082UL), .. BitConverter.GetBytes(0x1081UL)]);
        nested.Byte(0);
        nested.Byte(2).Byte(Type(CKA.CKA_WRAP_TEMPLATE)).Byte(2).Byte(1).Byte(2)   // the third call: an array with buffers
            .Byte(8).Byte(0).Byte(1).Byte(0)                                    // entries of 8 and 1 bytes
            .Byte(Type(CKA.CKA_ALLOWED_MECHANISMS)).Byte(0).Byte(1).UInt16(64);
        yield return ("nested", nested.ToArray());

        var bad = new SeedWriter().Byte(2);
        bad.Byte(Type(CKA.CKA_VALUE)).Byte(1).UInt16(4);                        // NULL with a length
        bad.Byte(Type(CKA.CKA_MODULUS_BITS)).Byte(5).Prefixed([1, 2, 3]);       // a CK_ULONG of 3 bytes
        yield return ("bad", bad.Byte(0).ToArray());
    }
}
