using System.Runtime.InteropServices;
using CloudHsm.Core.Attributes;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tokens;

/// <summary>
/// The objects in view by the values of the attributes applications search by: CKA_CLASS, CKA_LABEL and
/// CKA_ID (libp11 and nginx look keys up by CKA_ID, or by CKA_LABEL with CKA_CLASS). It narrows a search to
/// a few candidates; the search still tests each with the full template, so the index only has to hold
/// every object that could match: an object is filed under the value it holds, or under the empty value
/// when it holds none (which is what a search reads for an attribute its type defines but it lacks).
/// Not thread-safe: the token changes and reads it under its lock.
/// </summary>
internal sealed class ObjectIndex
{
    private static readonly CKA[] Indexed = [CKA.CKA_CLASS, CKA.CKA_LABEL, CKA.CKA_ID];

    private readonly Dictionary<byte[], HashSet<ObjectEntry>>[] _byValue =
        [.. Indexed.Select(_ => new Dictionary<byte[], HashSet<ObjectEntry>>(ValueComparer.Instance))];

    /// <summary>Each entry with the values it is filed under, so that it can be taken out after its object changed.</summary>
    private readonly Dictionary<ulong, (ObjectEntry Entry, byte[][] Keys)> _filed = [];

    public int Count => _filed.Count;

    /// <summary>Files <paramref name="entry"/> under its object's current values, replacing whatever its handle was filed under.</summary>
    public void Put(ObjectEntry entry)
    {
        Remove(entry.Handle);
        var obj = entry.Object;
        var keys = new byte[Indexed.Length][];
        for (int i = 0; i < Indexed.Length; i++)
        {
            keys[i] = obj.Attributes.TryGetValue(Indexed[i], out var value) ? value : [];
            ref var bucket = ref CollectionsMarshal.GetValueRefOrAddDefault(_byValue[i], keys[i], out _);
            (bucket ??= []).Add(entry);
        }
        _filed[entry.Handle] = (entry, keys);
    }

    public void Remove(ulong handle)
    {
        if (!_filed.Remove(handle, out var filed)) return;
        for (int i = 0; i < Indexed.Length; i++)
        {
            var bucket = _byValue[i][filed.Keys[i]];
            bucket.Remove(filed.Entry);
            if (bucket.Count == 0) _byValue[i].Remove(filed.Keys[i]);
        }
    }

    public void Clear()
    {
        _filed.Clear();
        foreach (var map in _byValue) map.Clear();
    }

    /// <summary>The entries that may match <paramref name="template"/>: the smallest bucket among its indexed
    /// attributes (empty when one value is held by no object); null when it has no indexed attribute.</summary>
    public IReadOnlyCollection<ObjectEntry>? Candidates(Template template)
    {
        IReadOnlyCollection<ObjectEntry>? best = null;
        foreach (var attribute in template)
        {
            int i = Array.IndexOf(Indexed, attribute.Type);
            if (i < 0) continue;
            if (!_byValue[i].TryGetValue(attribute.Value, out var bucket)) return [];
            if (best is null || bucket.Count < best.Count) best = bucket;
        }
        return best;
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
