namespace CloudHsm.Core.Mechanisms.Ec;

/// <summary>Registers this family's mechanisms (being written: issue 3).</summary>
internal static class EcMechanisms
{
    public static void Register(MechanismRegistry registry)
    {
        _ = registry;
    }
}
