using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects.Engine;

/// <summary>Turns a caller's template into one value per attribute, in the caller's order.</summary>
internal static class TemplateFolding
{
    /// <summary>
    /// An attribute given twice with the same value counts once (§4.1.1 item 6 encourages exactly
    /// that); given twice with different values it is CKR_TEMPLATE_INCONSISTENT (item 5). The values
    /// are copied, so a caller that reuses its template cannot reach into an object.
    /// </summary>
    public static OrderedDictionary<CKA, byte[]> Fold(Template template)
    {
        var folded = new OrderedDictionary<CKA, byte[]>(template.Count);
        foreach (var attribute in template)
        {
            if (folded.TryGetValue(attribute.Type, out var earlier))
            {
                CkrException.ThrowIf(!earlier.AsSpan().SequenceEqual(attribute.Value), CKR.CKR_TEMPLATE_INCONSISTENT,
                    $"{AttributeCatalog.Name(attribute.Type)} is given twice with different values");
                continue;
            }
            folded.Add(attribute.Type, (byte[])attribute.Value.Clone());
        }
        return folded;
    }
}
