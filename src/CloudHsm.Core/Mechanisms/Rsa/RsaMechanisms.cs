namespace CloudHsm.Core.Mechanisms.Rsa;

/// <summary>Registers this family's mechanisms (being written: issue 3).</summary>
internal static class RsaMechanisms
{
    public static void Register(MechanismRegistry registry)
    {
        _ = registry;
    }
}
