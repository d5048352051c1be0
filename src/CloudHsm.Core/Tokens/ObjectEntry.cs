using CloudHsm.Core.Objects;

namespace CloudHsm.Core.Tokens;

/// <summary>
/// An object as this process holds it under a handle. <see cref="Object"/> is replaced whole when the
/// object changes (HsmObject is immutable), so a reader never sees half an update.
/// </summary>
internal sealed class ObjectEntry(ulong handle, HsmObject obj, ulong ownerSession, bool secretPending)
{
    public ulong Handle { get; } = handle;

    public volatile HsmObject Object = obj;

    /// <summary>The session that owns a session object; 0 for token objects.</summary>
    public ulong OwnerSession { get; } = ownerSession;

    /// <summary>A token object whose sealed key material could not be opened yet: nobody has logged in.</summary>
    public bool SecretPending { get; } = secretPending;
}
