using CloudHsm.Core.Backend;
using CloudHsm.Core.Objects;

namespace CloudHsm.Core.Mechanisms;

/// <summary>Finds the key object a parameter names by handle, with the caller's session rules (visibility,
/// login, the usage the operation needs); throws the CKR the spec lists when it may not be used.</summary>
public delegate HsmObject KeyResolver(ulong handle);

/// <summary>
/// A mechanism parameter that names key objects by handle (CK_HKDF_PARAMS.hSaltKey …). Mechanisms see only
/// objects, never handles: the backend calls <see cref="ResolveKeys"/> before the mechanism runs, and the
/// mechanism reads the resolved objects from the parameter it returns.
/// </summary>
public interface IKeyReferencingParameter
{
    /// <summary>This parameter with every key it names (and uses, given its other fields) resolved.</summary>
    MechanismParameter ResolveKeys(KeyResolver resolve);
}

/// <summary>The backend's one entry point to <see cref="IKeyReferencingParameter"/>.</summary>
public static class KeyReferences
{
    /// <summary>The mechanism with its parameter's key handles resolved, or as it is when it names none.</summary>
    public static Mechanism Resolve(Mechanism mechanism, KeyResolver resolve) =>
        mechanism.Parameter is IKeyReferencingParameter referencing
            ? mechanism with { Parameter = referencing.ResolveKeys(resolve) }
            : mechanism;
}
