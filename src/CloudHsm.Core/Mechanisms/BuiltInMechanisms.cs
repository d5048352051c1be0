using CloudHsm.Core.Mechanisms.Digest;

namespace CloudHsm.Core.Mechanisms;

/// <summary>The one list of mechanism families (kryoptic's register_all). Registration is explicit: no
/// reflection, so NativeAOT trimming keeps exactly what is listed here.</summary>
public static class BuiltInMechanisms
{
    private static readonly Lazy<MechanismRegistry> Default = new(() =>
    {
        var registry = new MechanismRegistry();
        DigestMechanisms.Register(registry);
        return registry.Freeze();
    });

    public static MechanismRegistry Registry => Default.Value;
}
