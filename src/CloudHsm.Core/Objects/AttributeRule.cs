using CloudHsm.Core.Attributes;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects;

/// <summary>
/// One row of an object type's attribute table: the attribute, its policy flags and, when
/// <see cref="AttributePolicy.HasDefault"/> is set, its default value (width-neutral encoding).
/// Build rows with <see cref="Rule"/>, which keeps the flag and the value in step.
/// </summary>
internal sealed record AttributeRule
{
    public AttributeRule(CKA type, AttributePolicy policy, byte[]? defaultValue)
    {
        if (policy.HasFlag(AttributePolicy.HasDefault) != defaultValue is not null)
            throw new ArgumentException($"{AttributeCatalog.Name(type)}: HasDefault and the default value disagree");
        Type = type;
        Policy = policy;
        DefaultValue = defaultValue;
    }

    public CKA Type { get; }

    public AttributePolicy Policy { get; }

    /// <summary>Never handed out: callers get a copy from <see cref="CopyDefault"/>.</summary>
    private byte[]? DefaultValue { get; }

    /// <summary>True when every flag in <paramref name="flags"/> is set.</summary>
    public bool Has(AttributePolicy flags) => (Policy & flags) == flags;

    public byte[]? CopyDefault() => (byte[]?)DefaultValue?.Clone();
}

/// <summary>Readable constructors for table rows.</summary>
internal static class Rule
{
    public static AttributeRule Of(CKA type, AttributePolicy policy = AttributePolicy.None) => new(type, policy, null);

    public static AttributeRule Default(CKA type, bool value, AttributePolicy policy = AttributePolicy.None) =>
        new(type, policy | AttributePolicy.HasDefault, AttributeValues.FromBool(value));

    public static AttributeRule Default(CKA type, ulong value, AttributePolicy policy = AttributePolicy.None) =>
        new(type, policy | AttributePolicy.HasDefault, AttributeValues.FromULong(value));

    /// <summary>"(default empty)" in the spec's tables: an empty string, byte array or date.</summary>
    public static AttributeRule DefaultEmpty(CKA type, AttributePolicy policy = AttributePolicy.None) =>
        new(type, policy | AttributePolicy.HasDefault, []);
}
