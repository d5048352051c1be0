namespace CloudHsm.Core.Mechanisms.Aes;

/// <summary>Registers this family's mechanisms (being written: issue 3).</summary>
internal static class AesMechanisms
{
    public static void Register(MechanismRegistry registry)
    {
        _ = registry;
    }
}
