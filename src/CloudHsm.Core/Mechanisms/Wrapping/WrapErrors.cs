using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Wrapping;

/// <summary>
/// A cipher answers in C_Encrypt / C_Decrypt terms; C_WrapKey and C_UnwrapKey list their own codes for
/// the same failures (§5.18). This table translates, so every wrap over a cipher reports alike.
/// </summary>
internal static class WrapErrors
{
    /// <summary>The cipher refused the wrapping key (C_EncryptInit's key checks).</summary>
    public static CkrException ForWrappingKey(CkrException e) => e.Rv switch
    {
        CKR.CKR_KEY_TYPE_INCONSISTENT => new(CKR.CKR_WRAPPING_KEY_TYPE_INCONSISTENT, e.Message, e),
        CKR.CKR_KEY_SIZE_RANGE => new(CKR.CKR_WRAPPING_KEY_SIZE_RANGE, e.Message, e),
        _ => e,
    };

    /// <summary>The cipher refused the serialised key: §5.18 says a key that cannot be wrapped "solely
    /// because of its length" is CKR_KEY_SIZE_RANGE.</summary>
    public static CkrException ForKeyData(CkrException e) => e.Rv switch
    {
        CKR.CKR_DATA_LEN_RANGE => new(CKR.CKR_KEY_SIZE_RANGE, e.Message, e),
        _ => e,
    };

    /// <summary>The cipher refused the unwrapping key (C_DecryptInit's key checks).</summary>
    public static CkrException ForUnwrappingKey(CkrException e) => e.Rv switch
    {
        CKR.CKR_KEY_TYPE_INCONSISTENT => new(CKR.CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT, e.Message, e),
        CKR.CKR_KEY_SIZE_RANGE => new(CKR.CKR_UNWRAPPING_KEY_SIZE_RANGE, e.Message, e),
        _ => e,
    };

    /// <summary>The cipher refused the wrapped bytes.</summary>
    public static CkrException ForWrappedKey(CkrException e) => e.Rv switch
    {
        CKR.CKR_ENCRYPTED_DATA_INVALID => new(CKR.CKR_WRAPPED_KEY_INVALID, e.Message, e),
        CKR.CKR_ENCRYPTED_DATA_LEN_RANGE => new(CKR.CKR_WRAPPED_KEY_LEN_RANGE, e.Message, e),
        _ => e,
    };

    /// <summary>A BCL primitive that reports a failed integrity check by exception (AES-GCM's tag, RSA
    /// OAEP's padding) means a wrapped key that does not decrypt: CKR_WRAPPED_KEY_INVALID.</summary>
    public static CkrException ForWrappedKey(CryptographicException e) =>
        new(CKR.CKR_WRAPPED_KEY_INVALID, "the wrapped key does not decrypt", e);
}
