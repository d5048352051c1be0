using CloudHsm.Core.Mechanisms.Aes;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Mac;

/// <summary>
/// A MAC key in computing form: per algorithm, a pool of keyed functions (<see cref="InstancePool{T}"/>),
/// made once per key snapshot by <see cref="HsmObject.GetOrCreateParsed{T}"/> and shared by every
/// operation on it, as <see cref="CipherKey"/> is for ciphers. Only one-shot MACs (C_Sign, C_Verify)
/// borrow a function: <see cref="IMacFunction.Final"/> leaves it keyed and empty again, ready for the
/// next caller. Safe for concurrent use.
/// </summary>
internal sealed class MacKey
{
    private readonly byte[] _value;
    private readonly Lock _lock = new();
    private (MacAlgorithm Algorithm, InstancePool<IMacFunction> Pool)[] _pools = [];

    private MacKey(byte[] value) => _value = value;

    /// <summary>The pool of <paramref name="algorithm"/>'s functions keyed with <paramref name="key"/>'s
    /// CKA_VALUE, or null where pooling does not pay (<see cref="MacAlgorithm.Poolable"/>).</summary>
    public static InstancePool<IMacFunction>? PoolFor(HsmObject key, MacAlgorithm algorithm)
    {
        if (!algorithm.Poolable) return null;
        // Should the snapshot already cache another family's form, the factory's instance comes back
        // uncached: its pool then serves this one operation, which still computes correctly.
        var macKey = key.GetOrCreateParsed(static k => new MacKey(k.GetValue(CKA.CKA_VALUE).ToArray()));
        return macKey.Pool(algorithm);
    }

    private InstancePool<IMacFunction> Pool(MacAlgorithm algorithm)
    {
        foreach (var (a, pool) in Volatile.Read(ref _pools))
            if (ReferenceEquals(a, algorithm)) return pool;
        lock (_lock)
        {
            foreach (var (a, pool) in _pools)
                if (ReferenceEquals(a, algorithm)) return pool;
            var created = new InstancePool<IMacFunction>(() => algorithm.Create(_value));
            Volatile.Write(ref _pools, [.. _pools, (algorithm, created)]);
            return created;
        }
    }
}
