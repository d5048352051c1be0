using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Storage.Sealing;

/// <summary>
/// What <see cref="ObjectSealer.Open"/> recovered from an <see cref="ObjectRecord"/>: the plain attributes,
/// plus the sealed ones when the token key was given. The values are new arrays the caller owns; secret
/// ones should be zeroed when the object is dropped.
/// </summary>
public sealed class OpenedObject
{
    public OpenedObject(Guid uid, bool isPrivate, IReadOnlyList<KeyValuePair<CKA, byte[]>> attributes, bool sealedPartPending)
    {
        Uid = uid;
        IsPrivate = isPrivate;
        Attributes = attributes;
        SealedPartPending = sealedPartPending;
    }

    public Guid Uid { get; }

    public bool IsPrivate { get; }

    /// <summary>Plain attributes first, then the sealed ones (when opened), each part in stored order.</summary>
    public IReadOnlyList<KeyValuePair<CKA, byte[]>> Attributes { get; }

    /// <summary>True when the record has a sealed part that was not opened because no token key was given:
    /// <see cref="Attributes"/> then holds only the plain part (nothing at all for a private object), and that
    /// plain part is <b>unverified</b> — its SHA-256 is in the sealed part's AAD, so it is authenticated only
    /// when the record is opened with the token key (docs/storage-encryption.md §5.3). Such an object must not
    /// be used for anything that trusts its attributes until then.</summary>
    public bool SealedPartPending { get; }
}
