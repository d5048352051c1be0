namespace CloudHsm.Core.Mechanisms.Rsa;

/// <summary>An RSA signature scheme over the mechanism's single-part input (a DigestInfo, a hash, a raw block).
/// Input-length faults are CKR_DATA_LEN_RANGE; a signature that does not verify is CKR_SIGNATURE_INVALID.
/// The operations check the signature length (CKR_SIGNATURE_LEN_RANGE) before a scheme sees it.</summary>
internal interface IRsaSignatureScheme
{
    /// <summary>Writes the k-byte signature.</summary>
    void Sign(RsaKey key, ReadOnlySpan<byte> input, Span<byte> signature);

    void Verify(RsaKey key, ReadOnlySpan<byte> input, ReadOnlySpan<byte> signature);
}

/// <summary>Signature with message recovery (C_SignRecover, C_VerifyRecover).</summary>
internal interface IRsaRecoverScheme : IRsaSignatureScheme
{
    /// <summary>At least what <see cref="Recover"/> writes.</summary>
    int RecoveredLength(RsaKey key);

    int Recover(RsaKey key, ReadOnlySpan<byte> signature, Span<byte> output);
}

/// <summary>
/// An RSA encryption scheme. The length functions check the input length (so a size query already answers
/// CKR_DATA_LEN_RANGE / CKR_ENCRYPTED_DATA_LEN_RANGE) and give the exact ciphertext length or a safe bound on
/// the plaintext. Every decryption fault is CKR_ENCRYPTED_DATA_INVALID and nothing else: which check failed
/// must not be observable (Bleichenbacher, Manger).
/// </summary>
internal interface IRsaEncryptionScheme
{
    int EncryptedLength(RsaKey key, int inputLength);

    int Encrypt(RsaKey key, ReadOnlySpan<byte> input, Span<byte> output);

    int DecryptedLength(RsaKey key, int inputLength);

    int Decrypt(RsaKey key, ReadOnlySpan<byte> input, Span<byte> output);
}
