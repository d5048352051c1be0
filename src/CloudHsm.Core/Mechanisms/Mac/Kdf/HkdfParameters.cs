using CloudHsm.Core.Backend;
using CloudHsm.Core.Objects;

namespace CloudHsm.Core.Mechanisms.Mac.Kdf;

/// <summary>CK_HKDF_PARAMS in managed form (§6.62.2), salt and info copied by the boundary.</summary>
/// <param name="PrfHashMechanism">A digest mechanism (CKM_SHA256 …): the hash under the HMAC.</param>
/// <param name="SaltType">One of the CKF_HKDF_SALT_* values in <see cref="HkdfSaltType"/>.</param>
/// <param name="SaltKeyHandle">hSaltKey, meaningful for <see cref="HkdfSaltType.Key"/> only; the backend
/// resolves it into <see cref="SaltKey"/> before the mechanism runs.</param>
public sealed record HkdfParameter(bool Extract, bool Expand, ulong PrfHashMechanism, ulong SaltType, byte[] Salt,
    ulong SaltKeyHandle, byte[] Info) : MechanismParameter, IKeyReferencingParameter
{
    /// <summary>The object under <see cref="SaltKeyHandle"/>, once resolved; null before, or when no salt key is used.</summary>
    public HsmObject? SaltKey { get; init; }

    /// <summary>The salt key is used only when extracting (§6.62: "the salt should be ignored if bExtract is false").</summary>
    public MechanismParameter ResolveKeys(KeyResolver resolve) =>
        Extract && SaltType == HkdfSaltType.Key ? this with { SaltKey = resolve(SaltKeyHandle) } : this;
}

/// <summary>CK_HKDF_PARAMS.ulSaltType values (pkcs11t.h 3.0).</summary>
public static class HkdfSaltType
{
    /// <summary>CKF_HKDF_SALT_NULL: no salt; extraction uses HashLen zero bytes (RFC 5869 §2.2).</summary>
    public const ulong Null = 0x1;
    /// <summary>CKF_HKDF_SALT_DATA: the salt is pSalt/ulSaltLen.</summary>
    public const ulong Data = 0x2;
    /// <summary>CKF_HKDF_SALT_KEY: the salt is the value of the key hSaltKey.</summary>
    public const ulong Key = 0x4;
}
