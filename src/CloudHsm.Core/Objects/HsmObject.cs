using System.Text;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects.Tables;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects;

/// <summary>
/// One token or session object: an immutable snapshot of its attributes (width-neutral values, see
/// <see cref="AttributeKind"/>). A change makes a new instance with the same <see cref="Uid"/>
/// (<see cref="ObjectEngine.SetAttributes"/>), so a reader holding an instance always sees one
/// consistent version. Only <see cref="ObjectEngine"/> makes new objects; the store brings stored ones
/// back with <see cref="FromStored"/>.
/// </summary>
/// <remarks>
/// The values are the object's own copies, shared by every reader of this snapshot: read them, never
/// write to them (the map is read-only, arrays cannot be). Secret values are not zeroed
/// when an instance is dropped: snapshots are shared by concurrent readers, so no reader can know it
/// holds the last reference. The store keeps them sealed at rest (<see cref="ObjectEngine.IsSecret"/>).
/// </remarks>
public sealed class HsmObject
{
    private readonly Dictionary<CKA, byte[]> _attributes;
    private object? _parsedKey;

    /// <param name="attributes">Owned by the new instance from now on; CKA_UNIQUE_ID is set from
    /// <paramref name="uid"/> whatever the map holds.</param>
    internal HsmObject(Guid uid, ObjectSchema schema, IReadOnlyDictionary<CKA, byte[]> attributes)
        : this(uid, schema, Copy(attributes, clone: false))
    {
    }

    /// <param name="attributes">Made for this instance by <see cref="Copy"/>: owned, not copied again.</param>
    private HsmObject(Guid uid, ObjectSchema schema, Dictionary<CKA, byte[]> attributes)
    {
        Uid = uid;
        Schema = schema;
        _attributes = attributes;
        _attributes[CKA.CKA_UNIQUE_ID] = Encoding.ASCII.GetBytes(UniqueId);
        IsToken = GetBool(CKA.CKA_TOKEN, whenAbsent: false);
        IsPrivate = GetBool(CKA.CKA_PRIVATE, whenAbsent: true);
        IsModifiable = GetBool(CKA.CKA_MODIFIABLE, whenAbsent: true);
        IsCopyable = GetBool(CKA.CKA_COPYABLE, whenAbsent: true);
        IsDestroyable = GetBool(CKA.CKA_DESTROYABLE, whenAbsent: true);
    }

    /// <summary>The object's identity for its whole life; the store's key and the AAD of its sealed values.</summary>
    public Guid Uid { get; }

    /// <summary>CKA_UNIQUE_ID: the <see cref="Uid"/> as lowercase text with hyphens.</summary>
    public string UniqueId => Uid.ToString("D");

    public CKO Class => Schema.Class;

    /// <summary>CKA_KEY_TYPE for keys, otherwise null.</summary>
    public CKK? KeyType => ObjectSchemas.SubTypeAttribute(Class) == CKA.CKA_KEY_TYPE ? (CKK)Schema.SubType!.Value : null;

    public bool IsToken { get; }

    public bool IsPrivate { get; }

    public bool IsModifiable { get; }

    public bool IsCopyable { get; }

    public bool IsDestroyable { get; }

    /// <summary>The attribute table of the object's type.</summary>
    internal ObjectSchema Schema { get; }

    /// <summary>Every attribute the object holds, CKA_UNIQUE_ID included, secrets too: for the core's
    /// own use (mechanisms, the store). What a caller may see goes through <see cref="ObjectEngine.Read"/>.</summary>
    public IReadOnlyDictionary<CKA, byte[]> Attributes => _attributes;

    public bool Has(CKA type) => _attributes.ContainsKey(type);

    public bool TryGetValue(CKA type, out ReadOnlyMemory<byte> value)
    {
        bool found = _attributes.TryGetValue(type, out var bytes);
        value = bytes;
        return found;
    }

    /// <summary>The value, or empty when the object does not hold the attribute.</summary>
    public ReadOnlyMemory<byte> GetValue(CKA type) => _attributes.TryGetValue(type, out var bytes) ? bytes : ReadOnlyMemory<byte>.Empty;

    public bool GetBool(CKA type, bool whenAbsent = false) =>
        _attributes.TryGetValue(type, out var bytes) ? bytes is [1] : whenAbsent;

    /// <summary>The CK_ULONG value, or null when absent or not 8 bytes.</summary>
    public ulong? GetULong(CKA type) =>
        _attributes.TryGetValue(type, out var bytes) && bytes.Length == 8 ? AttributeValues.ToULong(type, bytes) : null;

    /// <summary>The next version of this object: same <see cref="Uid"/>, new attributes.</summary>
    internal HsmObject WithAttributes(IReadOnlyDictionary<CKA, byte[]> attributes) => new(Uid, Schema, attributes);

    /// <summary>
    /// Brings back an object the store holds (its plain and unsealed attributes together). The values
    /// are copied. A record whose class or key type the token does not know means a damaged or foreign
    /// store: CKR_DEVICE_ERROR.
    /// </summary>
    public static HsmObject FromStored(Guid uid, IEnumerable<KeyValuePair<CKA, byte[]>> attributes)
    {
        var map = Copy(attributes, clone: true);
        try
        {
            return new HsmObject(uid, ObjectSchemas.Resolve(map), map);
        }
        catch (CkrException e)
        {
            throw new CkrException(CKR.CKR_DEVICE_ERROR, $"stored object {uid} is not of a type this token knows", e);
        }
    }

    /// <summary>The instance's own map, sized once for the attributes and CKA_UNIQUE_ID (a map that grows
    /// by one entry past its capacity doubles it), built in one pass: the constructor used to copy a
    /// map that FromStored had just built.</summary>
    private static Dictionary<CKA, byte[]> Copy(IEnumerable<KeyValuePair<CKA, byte[]>> attributes, bool clone)
    {
        int count = attributes is IReadOnlyCollection<KeyValuePair<CKA, byte[]>> known ? known.Count : 0;
        var map = new Dictionary<CKA, byte[]>(count + 1);
        foreach (var (type, value) in attributes)
            map.Add(type, clone ? (byte[])value.Clone() : value); // a type given twice throws, as ToDictionary did
        return map;
    }

    /// <summary>
    /// The key in the form its mechanisms compute with (an RSA or ECDsa instance, an AES key schedule …),
    /// made once per snapshot and shared by every operation on it: the hot path never re-imports key
    /// material (DESIGN "Hot path"). A change to the object makes a new snapshot, so a stale form can never
    /// be used. The instance must be safe for concurrent use, or the factory must hand out per-use state.
    /// Not disposed when the snapshot is dropped (concurrent users may still hold it); the GC reclaims it.
    /// </summary>
    public T GetOrCreateParsed<T>(Func<HsmObject, T> factory) where T : class
    {
        if (Volatile.Read(ref _parsedKey) is T existing) return existing;
        var created = factory(this);
        return Interlocked.CompareExchange(ref _parsedKey, created, null) as T ?? created;
    }

    public override string ToString() => $"{Schema.Name} {UniqueId}";
}
