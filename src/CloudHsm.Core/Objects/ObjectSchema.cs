using System.Collections.Frozen;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects;

/// <summary>
/// The attribute table of one object type, (class, key or certificate type): every attribute the type
/// has, with its policy, plus the few rules that span attributes. Composed from the spec's class
/// hierarchy in <see cref="Tables.ObjectSchemas"/>; read only by the engine.
/// </summary>
internal sealed class ObjectSchema
{
    private readonly FrozenDictionary<CKA, AttributeRule> _rules;
    private readonly FrozenDictionary<CKA, ValueLengthRule> _lengths;

    /// <param name="layers">The spec's tables from the most general (common object attributes) to the
    /// most specific (e.g. RSA private key); a later layer's row for the same attribute replaces the
    /// earlier one, as a subclass table refines its parent's.</param>
    public ObjectSchema(
        string name,
        CKO objectClass,
        ulong? subType,
        IEnumerable<IEnumerable<AttributeRule>> layers,
        IEnumerable<ValueLengthRule>? lengths = null,
        IEnumerable<Derivation>? derivations = null,
        IEnumerable<ObjectConstraint>? constraints = null)
    {
        Name = name;
        Class = objectClass;
        SubType = subType;
        var rules = new Dictionary<CKA, AttributeRule>();
        foreach (var layer in layers)
            foreach (var rule in layer)
                rules[rule.Type] = rule;
        _rules = rules.ToFrozenDictionary();
        _lengths = (lengths ?? []).ToFrozenDictionary(l => l.Type);
        Derivations = [.. derivations ?? []];
        Constraints = [.. constraints ?? []];
    }

    /// <summary>e.g. "CKO_PRIVATE_KEY/CKK_RSA", for messages and test names.</summary>
    public string Name { get; }

    public CKO Class { get; }

    /// <summary>The CKK or CKC value; null for classes without a subtype (CKO_DATA).</summary>
    public ulong? SubType { get; }

    public IEnumerable<AttributeRule> Rules => _rules.Values;

    public IReadOnlyList<Derivation> Derivations { get; }

    public IReadOnlyList<ObjectConstraint> Constraints { get; }

    public bool TryGetRule(CKA type, out AttributeRule rule) => _rules.TryGetValue(type, out rule!);

    public bool Defines(CKA type) => _rules.ContainsKey(type);

    public bool AllowsLength(CKA type, int length) => !_lengths.TryGetValue(type, out var rule) || rule.Allows(length);

    public override string ToString() => Name;
}
