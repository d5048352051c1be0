using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects;

/// <summary>
/// The lengths a value may have for one object type, beyond what its encoding allows: an AES key is
/// 16, 24 or 32 bytes (§6.10), a DES3 key 24 (§6.18), key material is never empty. A value outside
/// them is <c>CKR_ATTRIBUTE_VALUE_INVALID</c>.
/// </summary>
internal sealed record ValueLengthRule(CKA Type, int[] AllowedLengths, int MinLength)
{
    public static ValueLengthRule OneOf(CKA type, params int[] lengths) => new(type, lengths, 0);

    public static ValueLengthRule NonEmpty(CKA type) => new(type, [], 1);

    public bool Allows(int length) =>
        length >= MinLength && (AllowedLengths.Length == 0 || Array.IndexOf(AllowedLengths, length) >= 0);
}
