using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Mac.Kdf;

/// <summary>What this family's KDFs read from a C_DeriveKey template before computing the key: its type,
/// its length, and the defaults the base key lends it.</summary>
internal static class DerivedKeyTemplate
{
    /// <summary>DES3 keys have no CKA_VALUE_LEN: their length is the type's.</summary>
    private const int Des3Length = 24;

    /// <summary>The key type the template names; CKK_GENERIC_SECRET when it names none (the mechanisms
    /// contribute CKO_SECRET_KEY, and a secret without a cipher is a generic secret).</summary>
    public static CKK KeyType(Template template)
    {
        if (template.Find(CKA.CKA_KEY_TYPE) is not { } value)
            return CKK.CKK_GENERIC_SECRET;
        ulong type = AttributeValues.ToULong(CKA.CKA_KEY_TYPE, value);
        CkrException.ThrowIf(type > uint.MaxValue, CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"CKA_KEY_TYPE 0x{type:X} is out of range");
        return (CKK)(uint)type;
    }

    /// <summary>
    /// The derived key's length in bytes: CKA_VALUE_LEN, or the fixed length of a DES3 key, or
    /// <paramref name="implied"/> (a mechanism whose output length is fixed, e.g. HKDF extract only).
    /// None of them is CKR_TEMPLATE_INCOMPLETE; 0, or an AES length other than 16/24/32, is
    /// CKR_ATTRIBUTE_VALUE_INVALID; more than the mechanism can make is CKR_KEY_SIZE_RANGE.
    /// </summary>
    public static int Length(Template template, CKK keyType, int? implied, long max)
    {
        ulong length;
        if (template.Find(CKA.CKA_VALUE_LEN) is { } value)
            length = AttributeValues.ToULong(CKA.CKA_VALUE_LEN, value);
        else if (keyType == CKK.CKK_DES3)
            length = Des3Length;
        else if (implied is int fixedLength)
            length = (ulong)fixedLength;
        else
            throw new CkrException(CKR.CKR_TEMPLATE_INCOMPLETE, "the derived key needs CKA_VALUE_LEN");
        CkrException.ThrowIf(length == 0, CKR.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE_LEN is 0");
        CkrException.ThrowIf(keyType == CKK.CKK_AES && length is not (16 or 24 or 32), CKR.CKR_ATTRIBUTE_VALUE_INVALID,
            $"AES keys are 16, 24 or 32 bytes, not {length}");
        CkrException.ThrowIf(length > (ulong)max, CKR.CKR_KEY_SIZE_RANGE, $"this derivation makes at most {max} bytes, not {length}");
        return (int)length;
    }

    /// <summary>
    /// The template with CKA_SENSITIVE and CKA_EXTRACTABLE taken from the base key where it omits them
    /// (§6.42 "Key Derivation Attribute Rules"; HKDF leaves the default to the token, which takes the same
    /// rule: a derived key is as guarded as the key it came from).
    /// </summary>
    public static Template WithBaseKeyDefaults(Template template, HsmObject baseKey)
    {
        var added = new List<TemplateAttribute>(2);
        foreach (var type in (ReadOnlySpan<CKA>)[CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE])
            if (!template.Contains(type) && baseKey.TryGetValue(type, out var value))
                added.Add(new TemplateAttribute(type, value.ToArray()));
        return added.Count == 0 ? template : new Template(template.Concat(added));
    }
}
