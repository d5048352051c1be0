namespace CloudHsm.Core.Configuration;

/// <summary>
/// The module's configuration (docs/configuration.md). <c>{"tokenDirectory": "…"}</c> alone is a
/// complete embedded configuration; everything else has a default.
/// </summary>
public sealed record ModuleConfig
{
    public const int DefaultPinKdfIterations = 600_000;
    public const int DefaultMaxLoginFailures = 10;

    /// <summary>Where the tokens live: one subdirectory per token.</summary>
    public required string TokenDirectory { get; init; }

    /// <summary>PBKDF2-HMAC-SHA256 iterations for new PIN records (docs/storage-encryption.md).</summary>
    public int PinKdfIterations { get; init; } = DefaultPinKdfIterations;

    /// <summary>Wrong PINs in a row before the PIN is locked (CKF_*_PIN_LOCKED).</summary>
    public int MaxLoginFailures { get; init; } = DefaultMaxLoginFailures;

    public int MinPinLength { get; init; } = 4;

    public int MaxPinLength { get; init; } = 255;

    /// <summary>"stderr" or a file path; null keeps the diagnostic log off (CLOUDHSM_PKCS11_TRACE overrides).</summary>
    public string? LogDestination { get; init; }

    /// <summary>error | warn | info | debug (CLOUDHSM_PKCS11_TRACE_LEVEL overrides).</summary>
    public string? LogLevel { get; init; }
}
