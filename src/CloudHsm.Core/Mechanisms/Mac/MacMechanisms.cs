namespace CloudHsm.Core.Mechanisms.Mac;

/// <summary>Registers this family's mechanisms (being written: issue 3).</summary>
internal static class MacMechanisms
{
    public static void Register(MechanismRegistry registry)
    {
        _ = registry;
    }
}
