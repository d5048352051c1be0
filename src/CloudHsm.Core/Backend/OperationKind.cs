namespace CloudHsm.Core.Backend;

/// <summary>
/// The operation slots of a session. Decision (STYLE 6.18 #1): one active operation per kind, as
/// kryoptic does, so the dual-function calls (C_DigestEncryptUpdate …) have both halves active at once.
/// </summary>
public enum OperationKind
{
    Find,
    Encrypt,
    Decrypt,
    Digest,
    Sign,
    Verify,
    SignRecover,
    VerifyRecover,
}
