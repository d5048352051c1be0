using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Errors;

/// <summary>
/// A C_DeriveKey failure caused by the template of one additional derived key (SP 800-108 CK_DERIVED_KEY):
/// no key was created, and the boundary sets that entry's phKey to CK_INVALID_HANDLE "to identify the
/// offending template" (PKCS#11 3.0 §6.42, "Deriving Additional Keys").
/// </summary>
public sealed class AdditionalKeyTemplateException(CKR rv, int index, string detail)
    : CkrException(rv, $"additional key {index}: {detail}")
{
    /// <summary>The entry's position in the CK_DERIVED_KEY array, from 0.</summary>
    public int Index { get; } = index;
}
