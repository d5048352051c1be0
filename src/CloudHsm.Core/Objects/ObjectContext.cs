namespace CloudHsm.Core.Objects;

/// <summary>
/// Who is asking, as far as attribute rules care. The session layer builds it from the token's login
/// state; who may create or see private objects, and R/O sessions, are its checks, not the engine's.
/// </summary>
/// <param name="IsSecurityOfficer">The SO is logged in: only the SO may set CKA_TRUSTED to CK_TRUE
/// (footnote 10) or change a trusted certificate.</param>
public sealed record ObjectContext(bool IsSecurityOfficer)
{
    /// <summary>Anyone but the SO: a normal user, or a public session.</summary>
    public static readonly ObjectContext User = new(IsSecurityOfficer: false);

    public static readonly ObjectContext SecurityOfficer = new(IsSecurityOfficer: true);
}
