using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Backend;

/// <summary>CK_VERSION.</summary>
public readonly record struct CkVersion(byte Major, byte Minor);

/// <summary>CK_INFO, with strings the boundary blank-pads.</summary>
public sealed record LibraryInfo(CkVersion CryptokiVersion, string ManufacturerId, string Description, CkVersion LibraryVersion);

/// <summary>CK_SLOT_INFO.</summary>
public sealed record SlotInfo(string Description, string ManufacturerId, ulong Flags, CkVersion HardwareVersion, CkVersion FirmwareVersion);

/// <summary>
/// CK_TOKEN_INFO. Counts that the token does not know are <see cref="Unavailable"/>, which the
/// boundary writes as CK_UNAVAILABLE_INFORMATION of the platform's CK_ULONG width.
/// </summary>
public sealed record TokenInfo
{
    public const ulong Unavailable = ulong.MaxValue;
    public const ulong EffectivelyInfinite = 0;

    /// <summary>32 bytes, blank-padded, exactly as given to C_InitToken.</summary>
    public required byte[] Label { get; init; }
    public required string ManufacturerId { get; init; }
    public required string Model { get; init; }
    public required string SerialNumber { get; init; }
    public required ulong Flags { get; init; }
    public required ulong MaxSessionCount { get; init; }
    public required ulong SessionCount { get; init; }
    public required ulong MaxRwSessionCount { get; init; }
    public required ulong RwSessionCount { get; init; }
    public required ulong MaxPinLen { get; init; }
    public required ulong MinPinLen { get; init; }
    public ulong TotalPublicMemory { get; init; } = Unavailable;
    public ulong FreePublicMemory { get; init; } = Unavailable;
    public ulong TotalPrivateMemory { get; init; } = Unavailable;
    public ulong FreePrivateMemory { get; init; } = Unavailable;
    public required CkVersion HardwareVersion { get; init; }
    public required CkVersion FirmwareVersion { get; init; }
    /// <summary>16 characters YYYYMMDDhhmmss00 when CKF_CLOCK_ON_TOKEN is set, else blanks.</summary>
    public required string UtcTime { get; init; }
}

/// <summary>CK_SESSION_INFO.</summary>
public sealed record SessionInfo(ulong SlotId, CKS State, ulong Flags, ulong DeviceError);

/// <summary>CK_MECHANISM_INFO.</summary>
public readonly record struct MechanismInfo(ulong MinKeySize, ulong MaxKeySize, ulong Flags);

/// <summary>A mechanism parameter, parsed by the boundary from its CK_* structure into managed form.</summary>
public abstract record MechanismParameter;

/// <summary>A parameter the core receives as plain bytes (an IV, a CK_BYTE array parameter).</summary>
public sealed record ByteArrayParameter(byte[] Value) : MechanismParameter;

/// <summary>CK_MECHANISM in managed form.</summary>
public sealed record Mechanism(CKM Type, MechanismParameter? Parameter = null);

/// <summary>What C_DeriveKey made: the key its template defines, then the additional keys the mechanism
/// parameter defines (SP 800-108's CK_DERIVED_KEY array), in that array's order; empty when there are none.</summary>
public sealed record DerivedKeys(ulong Key, IReadOnlyList<ulong> AdditionalKeys);

/// <summary>How C_GetAttributeValue answers for one attribute (PKCS#11 §5.7, C_GetAttributeValue rules 1-5).</summary>
public enum AttributeReadStatus
{
    Ok,
    /// <summary>Sensitive or unextractable: CK_UNAVAILABLE_INFORMATION, CKR_ATTRIBUTE_SENSITIVE.</summary>
    Sensitive,
    /// <summary>Not an attribute of this object: CK_UNAVAILABLE_INFORMATION, CKR_ATTRIBUTE_TYPE_INVALID.</summary>
    TypeInvalid,
}

/// <summary>One attribute's answer. <see cref="Value"/> is width-neutral (see AttributeKind) when Ok.</summary>
public readonly record struct AttributeRead(CKA Type, AttributeReadStatus Status, byte[]? Value);
