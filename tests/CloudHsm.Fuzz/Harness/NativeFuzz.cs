using CloudHsm.Core.Attributes;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Fuzz.Harness;

/// <summary>
/// Builds what a PKCS#11 caller hands the boundary — CK_ATTRIBUTE arrays, (pointer, length) pairs,
/// CK_ULONG fields — from a fuzz input. The bytes decide every value, but a pointer is only ever NULL or
/// the address of an arena block at least as long as its length says, except for lengths beyond an int
/// (with a 16-byte block behind them), which the boundary must refuse before reading (STYLE 6.4).
/// So a crash is the parser's doing, never a wild pointer of the harness's.
/// </summary>
internal static unsafe class NativeFuzz
{
    /// <summary>Every attribute type the core knows, in a fixed order: a byte of the input picks one.</summary>
    public static readonly CKA[] KnownTypes =
        [.. Enum.GetValues<CKA>().Where(AttributeCatalog.IsKnown).Distinct().Order()];

    /// <summary>A caller's (pointer, length) pair.</summary>
    public static void Buffer(ref FuzzInput input, NativeArena arena, out byte* pointer, out CK_ULONG length)
    {
        switch (input.Byte() % 8)
        {
            case 0: // absent
                pointer = null;
                length = 0;
                break;
            case 1: // NULL with a length: refused by the boundary
                pointer = null;
                length = (CK_ULONG)(1u + input.UInt16());
                break;
            case 2: // a length beyond an int: refused before any read
                pointer = arena.Alloc(16);
                length = (CK_ULONG)((ulong)int.MaxValue + 1 + input.UInt16());
                break;
            case 3: // a pointer with a zero length
                pointer = arena.Alloc(16);
                length = 0;
                break;
            case 4: // a real buffer just above 64 KiB (the EC parsers' bound)
                int big = 65_536 + input.Byte() - 8;
                pointer = arena.Alloc(big);
                length = (CK_ULONG)big;
                break;
            default:
                var bytes = input.Prefixed();
                pointer = arena.Copy(bytes);
                length = (CK_ULONG)bytes.Length;
                break;
        }
    }

    /// <summary>A CK_ULONG a mutation can make small (most counts, lengths, flags are) or anything.</summary>
    public static CK_ULONG ULong(ref FuzzInput input)
    {
        byte selector = input.Byte();
        return selector switch
        {
            < 0x80 => selector,
            < 0xC0 => input.UInt16(),
            < 0xE0 => (CK_ULONG)(0x80000000u | input.UInt16()), // vendor-defined range
            _ => (CK_ULONG)input.UInt64(),
        };
    }

    /// <summary>An attribute type: a known one, or (selectors 0xF0 and up) any 64-bit value.</summary>
    public static CK_ULONG AttributeType(ref FuzzInput input)
    {
        byte selector = input.Byte();
        return selector < 0xF0 ? (CK_ULONG)(uint)KnownTypes[selector % KnownTypes.Length] : (CK_ULONG)input.UInt64();
    }

    /// <summary>
    /// A CK_ATTRIBUTE array as a caller passes it: up to 15 entries; each value a buffer as above, or
    /// for the nested-template types (CKA_WRAP_TEMPLATE …) a CK_ATTRIBUTE array of its own, whose
    /// ulValueLen counts bytes and may be no whole number of entries. Arrays are built two levels deep
    /// (the reader takes one); below that a nested type gets plain bytes.
    /// </summary>
    public static CK_ATTRIBUTE* Attributes(ref FuzzInput input, NativeArena arena, int depth, out CK_ULONG count)
    {
        int n = input.Byte() % 16;
        var attributes = arena.Alloc<CK_ATTRIBUTE>(n);
        for (int i = 0; i < n; i++)
        {
            ref var a = ref attributes[i];
            a.type = AttributeType(ref input);
            bool nestedType = (ulong)a.type <= uint.MaxValue
                && AttributeCatalog.TryGetKind((CKA)(uint)a.type, out var kind) && kind == AttributeKind.AttributeArray;
            // A nested type's value is read as an array of pointers, so it is always a real array here
            // (whose own pointers are sound); what varies is its count, its byte length, a NULL for it.
            if (nestedType && depth < 2)
            {
                a.pValue = Attributes(ref input, arena, depth + 1, out var inner);
                // The byte count of the inner array, sometimes off by a few bytes (never beyond it).
                ulong bytes = (ulong)inner * (ulong)sizeof(CK_ATTRIBUTE);
                a.ulValueLen = (CK_ULONG)(bytes - Math.Min(bytes, (ulong)(input.Byte() % 4)));
            }
            else
            {
                Buffer(ref input, arena, out var p, out a.ulValueLen);
                a.pValue = p;
            }
        }
        count = (CK_ULONG)n;
        // A NULL array with a count, now and then.
        return n > 0 && input.Byte() == 0xFF ? null : attributes;
    }
}
