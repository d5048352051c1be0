namespace CloudHsm.Core.Diagnostics;

/// <summary>How much the diagnostic log says; each level includes the ones above it.</summary>
public enum DiagnosticLevel
{
    /// <summary>Nothing is written (the default).</summary>
    Off = -1,
    /// <summary>Failures the caller sees as CKR_GENERAL_ERROR, bad configuration.</summary>
    Error = 0,
    Warn = 1,
    Info = 2,
    /// <summary>One line per C_ call: names, handles, lengths, pointer null-ness, the CKR.</summary>
    Debug = 3,
}
