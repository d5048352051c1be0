using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms;

/// <summary>
/// The checks every *Init makes on its key, in one place (kryoptic check_key_ops / check_allowed_mechs):
/// the usage attribute must be true, and the mechanism must be in CKA_ALLOWED_MECHANISMS when that is set.
/// Key class and type are the mechanism's own check (CKR_KEY_TYPE_INCONSISTENT).
/// </summary>
public static class KeyUsage
{
    public static void Check(HsmObject key, CKA usage, CKM mechanism)
    {
        if (!key.Attributes.TryGetValue(usage, out var flag) || flag is not [1])
            throw new CkrException(CKR.CKR_KEY_FUNCTION_NOT_PERMITTED, $"{usage} is not true for this key");
        if (key.Attributes.TryGetValue(CKA.CKA_ALLOWED_MECHANISMS, out var allowed) && allowed.Length > 0
            && !AttributeValues.ToULongArray(CKA.CKA_ALLOWED_MECHANISMS, allowed).Contains((ulong)mechanism))
            throw new CkrException(CKR.CKR_MECHANISM_INVALID, $"{mechanism} is not in the key's CKA_ALLOWED_MECHANISMS");
    }
}
