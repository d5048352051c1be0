using System.Runtime.InteropServices;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Marshalling;

/// <summary>
/// C_GetAttributeValue's per-attribute rules (PKCS#11 §5.7; STYLE 6.5), applied to the caller's
/// template with the backend's answers:
/// <list type="number">
/// <item>sensitive or unextractable: ulValueLen = CK_UNAVAILABLE_INFORMATION, CKR_ATTRIBUTE_SENSITIVE;</item>
/// <item>not an attribute of the object: ulValueLen = CK_UNAVAILABLE_INFORMATION, CKR_ATTRIBUTE_TYPE_INVALID;</item>
/// <item>pValue NULL: ulValueLen = the length;</item>
/// <item>pValue big enough: the value, ulValueLen = its length;</item>
/// <item>too small: ulValueLen = CK_UNAVAILABLE_INFORMATION, CKR_BUFFER_TOO_SMALL.</item>
/// </list>
/// Every attribute is processed. The spec lets any of the three codes win; like SoftHSM we return
/// CKR_ATTRIBUTE_SENSITIVE, then CKR_ATTRIBUTE_TYPE_INVALID, then CKR_BUFFER_TOO_SMALL.
/// Values leave the core width-neutral and are written back at the platform's width.
/// </summary>
internal static unsafe class AttributeWriter
{
    private struct Outcome
    {
        public bool Sensitive;
        public bool TypeInvalid;
        public bool TooSmall;

        public readonly CKR Result =>
            Sensitive ? CKR.CKR_ATTRIBUTE_SENSITIVE :
            TypeInvalid ? CKR.CKR_ATTRIBUTE_TYPE_INVALID :
            TooSmall ? CKR.CKR_BUFFER_TOO_SMALL : CKR.CKR_OK;
    }

    /// <param name="template">The caller's template.</param>
    /// <param name="answers">One per template entry; null where the type was not a CKA at all.</param>
    public static CKR Write(Span<CK_ATTRIBUTE> template, ReadOnlySpan<AttributeRead?> answers)
    {
        var outcome = default(Outcome);
        for (int i = 0; i < template.Length; i++)
        {
            ref var a = ref template[i];
            switch (answers[i])
            {
                case { Status: AttributeReadStatus.Ok, Value: { } value } answer:
                    WriteValue(ref a, answer.Type, value, ref outcome);
                    break;
                case { Status: AttributeReadStatus.Sensitive }:
                    a.ulValueLen = CkLayout.UnavailableInformation;
                    outcome.Sensitive = true;
                    break;
                default:
                    a.ulValueLen = CkLayout.UnavailableInformation;
                    outcome.TypeInvalid = true;
                    break;
            }
        }
        return outcome.Result;
    }

    private static void WriteValue(ref CK_ATTRIBUTE a, CKA type, byte[] value, ref Outcome outcome)
    {
        AttributeCatalog.TryGetKind(type, out var kind);
        switch (kind)
        {
            case AttributeKind.ULong:
                WriteULongs(ref a, [AttributeValues.ToULong(type, value)], ref outcome);
                break;
            case AttributeKind.ULongArray:
                WriteULongs(ref a, AttributeValues.ToULongArray(type, value), ref outcome);
                break;
            case AttributeKind.AttributeArray:
                // An empty value is a template the object does not have (a key without CKA_WRAP_TEMPLATE): no entries.
                WriteNested(ref a, value.Length == 0 ? [] : AttributeCodec.Decode(value), ref outcome);
                break;
            default:
                if (Fits(ref a, value.Length, ref outcome))
                    value.CopyTo(new Span<byte>(a.pValue, value.Length));
                break;
        }
    }

    private static void WriteULongs(ref CK_ATTRIBUTE a, ReadOnlySpan<ulong> values, ref Outcome outcome)
    {
        if (!Fits(ref a, values.Length * sizeof(CK_ULONG), ref outcome))
            return;
        var destination = new Span<byte>(a.pValue, values.Length * sizeof(CK_ULONG));
        for (int i = 0; i < values.Length; i++)
            MemoryMarshal.Write(destination[(i * sizeof(CK_ULONG))..], CkULong.From(values[i]));
    }

    /// <summary>
    /// A nested template (CKA_WRAP_TEMPLATE ...) is a CK_ATTRIBUTE array in the caller's buffer. This
    /// serves Pkcs11Interop's three calls: (1) pValue NULL → the array's byte length; (2) an array whose
    /// entries have NULL pValue → each entry's type and length; (3) entries with buffers → the values,
    /// by the same per-attribute rules.
    /// </summary>
    private static void WriteNested(ref CK_ATTRIBUTE a, List<KeyValuePair<CKA, byte[]>> nested, ref Outcome outcome)
    {
        if (!Fits(ref a, nested.Count * sizeof(CK_ATTRIBUTE), ref outcome))
            return;
        var entries = new Span<CK_ATTRIBUTE>(a.pValue, nested.Count);
        for (int i = 0; i < nested.Count; i++)
        {
            entries[i].type = (CK_ATTRIBUTE_TYPE)(uint)nested[i].Key;
            WriteValue(ref entries[i], nested[i].Key, nested[i].Value, ref outcome);
        }
    }

    /// <summary>Rules 3 and 5: answers a length query or a short buffer; true when the value may be written.
    /// On true, ulValueLen already holds the value's length.</summary>
    private static bool Fits(ref CK_ATTRIBUTE a, int length, ref Outcome outcome)
    {
        if (a.pValue == null)
        {
            a.ulValueLen = CkULong.From(length);
            return false;
        }
        if ((ulong)a.ulValueLen < (ulong)length)
        {
            a.ulValueLen = CkLayout.UnavailableInformation;
            outcome.TooSmall = true;
            return false;
        }
        a.ulValueLen = CkULong.From(length);
        return true;
    }
}
