using CloudHsm.Core.Mechanisms.Aes;
using CloudHsm.Core.Mechanisms.Digest;
using CloudHsm.Core.Mechanisms.Ec;
using CloudHsm.Core.Mechanisms.Mac;
using CloudHsm.Core.Mechanisms.Rsa;
using CloudHsm.Core.Mechanisms.Wrapping;

namespace CloudHsm.Core.Mechanisms;

/// <summary>The one list of mechanism families (kryoptic's register_all). Registration is explicit: no
/// reflection, so NativeAOT trimming keeps exactly what is listed here.</summary>
public static class BuiltInMechanisms
{
    private static readonly Lazy<MechanismRegistry> Default = new(() =>
    {
        var registry = new MechanismRegistry();
        DigestMechanisms.Register(registry);
        RsaMechanisms.Register(registry);
        EcMechanisms.Register(registry);
        AesMechanisms.Register(registry);
        MacMechanisms.Register(registry);
        WrapMechanisms.Register(registry);
        return registry.Freeze();
    });

    public static MechanismRegistry Registry => Default.Value;
}
