using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms;

/// <summary>
/// The one answer for C_*Update / C_*Final on a mechanism the spec marks "single-part operations only"
/// (CKM_RSA_PKCS, CKM_RSA_X_509, CKM_RSA_PKCS_PSS, CKM_ECDSA …): CKR_FUNCTION_NOT_SUPPORTED, the spec's code
/// for a function this token does not offer with that mechanism. SoftHSM answers the same, and pkcs11-tool's
/// --test relies on it to fall back to single-part calls. Like any error, it ends the operation.
/// </summary>
internal static class SinglePartOnly
{
    public static CkrException Refusal(string mechanism) =>
        new(CKR.CKR_FUNCTION_NOT_SUPPORTED, $"{mechanism} is single-part only");
}
