using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Sessions;

/// <summary>
/// Who may see and change which objects (PKCS#11 §4.4 and §5.6; SoftHSM access.cpp haveRead/haveWrite).
/// <code>
/// session state            read public  read private  write public session  write public token  write private
/// CKS_RO_PUBLIC_SESSION        yes          no               yes                  no                no
/// CKS_RW_PUBLIC_SESSION        yes          no               yes                  yes               no
/// CKS_RO_USER_FUNCTIONS        yes          yes              yes                  no            session only
/// CKS_RW_USER_FUNCTIONS        yes          yes              yes                  yes               yes
/// CKS_RW_SO_FUNCTIONS          yes          no               yes                  yes               no
/// </code>
/// </summary>
public static class AccessRules
{
    public static bool CanRead(CKS state, bool isPrivate) =>
        !isPrivate || state is CKS.CKS_RO_USER_FUNCTIONS or CKS.CKS_RW_USER_FUNCTIONS;

    /// <summary>Throws the code C_CreateObject/C_SetAttributeValue/C_DestroyObject list for a refused write.</summary>
    public static void CheckWrite(CKS state, bool isToken, bool isPrivate)
    {
        bool readOnly = state is CKS.CKS_RO_PUBLIC_SESSION or CKS.CKS_RO_USER_FUNCTIONS;
        CkrException.ThrowIf(isToken && readOnly, CKR.CKR_SESSION_READ_ONLY, "token objects need a R/W session");
        CkrException.ThrowIf(isPrivate && !CanRead(state, true), CKR.CKR_USER_NOT_LOGGED_IN, "private objects need the user logged in");
    }
}
