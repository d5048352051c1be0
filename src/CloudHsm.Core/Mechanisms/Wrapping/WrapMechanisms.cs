namespace CloudHsm.Core.Mechanisms.Wrapping;

/// <summary>
/// Registers this family's mechanisms. There are none of its own: C_WrapKey / C_UnwrapKey run over any
/// registered cipher flagged CKF_WRAP / CKF_UNWRAP (<see cref="WrapLookup"/>), and a family with a
/// dedicated wrapping scheme registers an <see cref="IWrapMechanism"/> under its own name.
/// </summary>
internal static class WrapMechanisms
{
    public static void Register(MechanismRegistry registry)
    {
        _ = registry;
    }
}
