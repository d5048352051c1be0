namespace CloudHsm.Core.Mechanisms.Wrapping;

/// <summary>Registers this family's mechanisms (being written: issue 3).</summary>
internal static class WrapMechanisms
{
    public static void Register(MechanismRegistry registry)
    {
        _ = registry;
    }
}
