using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Mac;

/// <summary>
/// Which secret keys a MAC or KDF mechanism takes, and how long their CKA_VALUE may be (in bytes, as the
/// mechanism's info declares it). The one place of the key checks this family makes at *Init and
/// C_DeriveKey; usage flags and CKA_ALLOWED_MECHANISMS are <see cref="KeyUsage"/>'s.
/// </summary>
internal sealed record MacKeyPolicy(CKK[] KeyTypes, int MinBytes, int MaxBytes)
{
    /// <summary>The key's value, after checking class and type (CKR_KEY_TYPE_INCONSISTENT) and length
    /// (CKR_KEY_SIZE_RANGE). The memory is the key snapshot's own: read it, never write to it.</summary>
    public ReadOnlyMemory<byte> Value(HsmObject key, string mechanism)
    {
        CkrException.ThrowIf(key.Class != CKO.CKO_SECRET_KEY || key.KeyType is not CKK type || Array.IndexOf(KeyTypes, type) < 0,
            CKR.CKR_KEY_TYPE_INCONSISTENT, $"{mechanism} takes {string.Join(" or ", KeyTypes)} keys, not {key.Schema.Name}");
        var value = key.GetValue(CKA.CKA_VALUE);
        CkrException.ThrowIf(value.Length < MinBytes || value.Length > MaxBytes, CKR.CKR_KEY_SIZE_RANGE,
            $"{mechanism} takes keys of {MinBytes}..{MaxBytes} bytes, not {value.Length}");
        return value;
    }
}
