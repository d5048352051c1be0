using System.Collections.Frozen;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms;

/// <summary>
/// The one table of mechanisms: C_GetMechanismList and C_GetMechanismInfo read it, and every *Init
/// looks its mechanism up here, so the list cannot drift from what works (compare SoftHSM 2.4(1)).
/// </summary>
public sealed class MechanismRegistry
{
    private readonly Dictionary<CKM, IMechanism> _building = [];
    private FrozenDictionary<CKM, IMechanism>? _frozen;
    private CKM[]? _list;

    public void Add(CKM type, IMechanism mechanism)
    {
        if (_frozen is not null) throw new InvalidOperationException("the registry is frozen");
        if (!_building.TryAdd(type, mechanism)) throw new InvalidOperationException($"{type} registered twice");
    }

    public MechanismRegistry Freeze()
    {
        _frozen = _building.ToFrozenDictionary();
        _list = [.. _frozen.Keys.Order()];
        return this;
    }

    public IReadOnlyList<CKM> List => _list ?? throw new InvalidOperationException("freeze the registry first");

    public MechanismInfo GetInfo(CKM type) => Find(type).Info;

    /// <summary>The mechanism for an operation of kind <typeparamref name="T"/>; CKR_MECHANISM_INVALID if
    /// there is none, or if <paramref name="type"/> does not do that kind of operation.</summary>
    public T Get<T>(CKM type) where T : class, IMechanism =>
        Find(type) as T ?? throw new CkrException(CKR.CKR_MECHANISM_INVALID, $"{Name(type)} does not support this operation");

    private IMechanism Find(CKM type) =>
        (_frozen ?? throw new InvalidOperationException("freeze the registry first")).TryGetValue(type, out var m)
            ? m
            : throw new CkrException(CKR.CKR_MECHANISM_INVALID, $"{Name(type)} is not supported");

    private static string Name(CKM type) => Enum.IsDefined(type) ? type.ToString() : $"0x{(uint)type:X8}";
}
