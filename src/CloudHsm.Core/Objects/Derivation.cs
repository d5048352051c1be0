using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects;

/// <summary>How the token computes one attribute from another.</summary>
internal enum DerivationKind
{
    /// <summary>The source's length in bytes, as CK_ULONG (CKA_VALUE_LEN of secret keys).</summary>
    ByteLength,
    /// <summary>The bit length of the source as a big-endian unsigned integer (CKA_MODULUS_BITS).</summary>
    BitLength,
    /// <summary>First 3 bytes of AES-ECB(key, zero block) (§6.10 CKA_CHECK_VALUE).</summary>
    CheckValueAesEcb,
    /// <summary>First 3 bytes of DES3-ECB(key, zero block) (§6.18, the secret key rule of §4.11).</summary>
    CheckValueDes3Ecb,
    /// <summary>First 3 bytes of SHA-1(value) (generic secrets §6.22, certificates §4.6).</summary>
    CheckValueSha1,
}

/// <summary>
/// An attribute the token derives from another (<see cref="Source"/>) whenever an object is created or
/// changed: filled in when absent, and checked when the caller gave it. A mismatch is
/// <c>CKR_ATTRIBUTE_VALUE_INVALID</c> for a check value (§4.11 says so) and
/// <c>CKR_TEMPLATE_INCONSISTENT</c> for a length (the template disagrees with the key material).
/// An empty check value is kept: §4.11 lets a caller suppress or destroy the KCV that way.
/// </summary>
internal sealed record Derivation(CKA Target, CKA Source, DerivationKind Kind)
{
    public bool IsCheckValue => Kind is DerivationKind.CheckValueAesEcb or DerivationKind.CheckValueDes3Ecb
        or DerivationKind.CheckValueSha1;

    public CKR MismatchCode => IsCheckValue ? CKR.CKR_ATTRIBUTE_VALUE_INVALID : CKR.CKR_TEMPLATE_INCONSISTENT;
}
