using System.Runtime.InteropServices;
using CloudHsm.Core.Attributes;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tokens;

/// <summary>
/// The objects in view by the values of the attributes applications search by: CKA_LABEL and CKA_ID (libp11
/// and nginx look keys up by CKA_ID, or by CKA_LABEL with CKA_CLASS). It narrows a search to a few candidates;
/// the search still tests each with the full template, so the index only has to hold every object that could
/// match. An object is filed under the non-empty value it holds; a template value that is empty (which an
/// object lacking the attribute also matches) is not looked up, and neither is CKA_CLASS, whose few values
/// each cover a large share of the objects: such templates are answered by the scan, at the same cost.
/// A bucket is the entry itself while it holds one object (labels and IDs are mostly unique), a set beyond:
/// building the index for 10,000 objects allocates next to nothing. Not thread-safe: the token changes and
/// reads it under its lock.
/// </summary>
internal sealed class ObjectIndex
{
    private readonly Dictionary<byte[], object> _byLabel = new(ValueComparer.Instance);
    private readonly Dictionary<byte[], object> _byId = new(ValueComparer.Instance);

    /// <summary>Each entry with the values it is filed under, so that it can be taken out after its object changed.</summary>
    private readonly Dictionary<ulong, (ObjectEntry Entry, byte[]? Label, byte[]? Id)> _filed = [];

    /// <summary>Files <paramref name="entry"/> under its object's current values, replacing whatever its handle was filed under.</summary>
    public void Put(ObjectEntry entry)
    {
        Remove(entry.Handle);
        var obj = entry.Object;
        byte[]? label = File(_byLabel, obj.Attributes.GetValueOrDefault(CKA.CKA_LABEL), entry);
        byte[]? id = File(_byId, obj.Attributes.GetValueOrDefault(CKA.CKA_ID), entry);
        if (label is not null || id is not null) _filed[entry.Handle] = (entry, label, id);
    }

    public void Remove(ulong handle)
    {
        if (!_filed.Remove(handle, out var filed)) return;
        Unfile(_byLabel, filed.Label, filed.Entry);
        Unfile(_byId, filed.Id, filed.Entry);
    }

    public void Clear()
    {
        _filed.Clear();
        _byLabel.Clear();
        _byId.Clear();
    }

    /// <summary>The entries that may match <paramref name="template"/>: the smallest bucket among its non-empty
    /// CKA_LABEL and CKA_ID values (none when a value is held by no object); null when the scan must answer.</summary>
    public IReadOnlyCollection<ObjectEntry>? Candidates(Template template)
    {
        IReadOnlyCollection<ObjectEntry>? best = null;
        foreach (var attribute in template)
        {
            var map = attribute.Type switch
            {
                CKA.CKA_LABEL => _byLabel,
                CKA.CKA_ID => _byId,
                _ => null,
            };
            if (map is null || attribute.Value.Length == 0) continue;
            if (!map.TryGetValue(attribute.Value, out var bucket)) return [];
            IReadOnlyCollection<ObjectEntry> entries = bucket as HashSet<ObjectEntry> ?? [(ObjectEntry)bucket];
            if (best is null || entries.Count < best.Count) best = entries;
        }
        return best;
    }

    private static byte[]? File(Dictionary<byte[], object> map, byte[]? value, ObjectEntry entry)
    {
        if (value is null || value.Length == 0) return null;
        ref object? bucket = ref CollectionsMarshal.GetValueRefOrAddDefault(map, value, out _);
        switch (bucket)
        {
            case null:
                bucket = entry;
                break;
            case HashSet<ObjectEntry> set:
                set.Add(entry);
                break;
            default:
                bucket = new HashSet<ObjectEntry> { (ObjectEntry)bucket, entry };
                break;
        }
        return value;
    }

    private static void Unfile(Dictionary<byte[], object> map, byte[]? value, ObjectEntry entry)
    {
        if (value is null || !map.TryGetValue(value, out var bucket)) return;
        if (bucket is HashSet<ObjectEntry> set)
        {
            set.Remove(entry);
            if (set.Count == 1) map[value] = set.First();
            else if (set.Count == 0) map.Remove(value);
        }
        else if (ReferenceEquals(bucket, entry))
        {
            map.Remove(value);
        }
    }

    private sealed class ValueComparer : IEqualityComparer<byte[]>
    {
        public static readonly ValueComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] value)
        {
            var hash = new HashCode();
            hash.AddBytes(value);
            return hash.ToHashCode();
        }
    }
}
