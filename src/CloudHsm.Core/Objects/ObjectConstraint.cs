using CloudHsm.Core.Attributes;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects;

/// <summary>
/// A rule between attributes of one object that each value alone cannot break. Checked on the final
/// attribute set of every create, copy and change; a violation is <c>CKR_TEMPLATE_INCONSISTENT</c>
/// (§4.1.1 item 5).
/// </summary>
internal abstract record ObjectConstraint
{
    public abstract bool IsSatisfiedBy(IReadOnlyDictionary<CKA, byte[]> attributes);

    public abstract string Describe();
}

/// <summary>When <see cref="Condition"/> is CK_TRUE, <see cref="Required"/> must be too. §4.10:
/// "CKA_ALWAYS_AUTHENTICATE may only be set to CK_TRUE when CKA_PRIVATE is also CK_TRUE".</summary>
internal sealed record TrueRequiresTrue(CKA Condition, CKA Required) : ObjectConstraint
{
    public override bool IsSatisfiedBy(IReadOnlyDictionary<CKA, byte[]> attributes) =>
        !IsTrue(attributes, Condition) || IsTrue(attributes, Required);

    public override string Describe() =>
        $"{AttributeCatalog.Name(Condition)} needs {AttributeCatalog.Name(Required)} CK_TRUE";

    private static bool IsTrue(IReadOnlyDictionary<CKA, byte[]> attributes, CKA type) =>
        attributes.TryGetValue(type, out var value) && value is [1];
}

/// <summary>At least one of two attributes is non-empty. §4.6.3: an X.509 certificate's CKA_VALUE
/// "MUST be non-empty if CKA_URL is empty".</summary>
internal sealed record OneNonEmpty(CKA First, CKA Second) : ObjectConstraint
{
    public override bool IsSatisfiedBy(IReadOnlyDictionary<CKA, byte[]> attributes) =>
        NonEmpty(attributes, First) || NonEmpty(attributes, Second);

    public override string Describe() =>
        $"{AttributeCatalog.Name(First)} or {AttributeCatalog.Name(Second)} must be non-empty";

    private static bool NonEmpty(IReadOnlyDictionary<CKA, byte[]> attributes, CKA type) =>
        attributes.TryGetValue(type, out var value) && value.Length > 0;
}
