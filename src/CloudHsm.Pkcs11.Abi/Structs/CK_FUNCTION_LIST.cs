using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>
/// CK_FUNCTION_LIST, version 2.40: the version and the 68 function pointers in the order of
/// pkcs11f.h. Callers index into it by position, so the order is the ABI; Abi.Tests pins every
/// offset against the C header. C_OpenSession's Notify callback is kept as <c>void*</c>: the module
/// never calls it (PKCS#11 lets a library ignore it).
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = CkLayout.Pack)]
public unsafe struct CK_FUNCTION_LIST
{
    /// <summary>The number of function pointers after <see cref="version"/>.</summary>
    public const int FunctionCount = 68;

    public CK_VERSION version;
    public delegate* unmanaged[Cdecl]<void*, CK_RV> C_Initialize;
    public delegate* unmanaged[Cdecl]<void*, CK_RV> C_Finalize;
    public delegate* unmanaged[Cdecl]<CK_INFO*, CK_RV> C_GetInfo;
    public delegate* unmanaged[Cdecl]<CK_FUNCTION_LIST**, CK_RV> C_GetFunctionList;
    public delegate* unmanaged[Cdecl]<CK_BBOOL, CK_SLOT_ID*, CK_ULONG*, CK_RV> C_GetSlotList;
    public delegate* unmanaged[Cdecl]<CK_SLOT_ID, CK_SLOT_INFO*, CK_RV> C_GetSlotInfo;
    public delegate* unmanaged[Cdecl]<CK_SLOT_ID, CK_TOKEN_INFO*, CK_RV> C_GetTokenInfo;
    public delegate* unmanaged[Cdecl]<CK_SLOT_ID, CK_MECHANISM_TYPE*, CK_ULONG*, CK_RV> C_GetMechanismList;
    public delegate* unmanaged[Cdecl]<CK_SLOT_ID, CK_MECHANISM_TYPE, CK_MECHANISM_INFO*, CK_RV> C_GetMechanismInfo;
    public delegate* unmanaged[Cdecl]<CK_SLOT_ID, byte*, CK_ULONG, byte*, CK_RV> C_InitToken;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, CK_RV> C_InitPIN;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, byte*, CK_ULONG, CK_RV> C_SetPIN;
    public delegate* unmanaged[Cdecl]<CK_SLOT_ID, CK_FLAGS, void*, void*, CK_SESSION_HANDLE*, CK_RV> C_OpenSession;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_RV> C_CloseSession;
    public delegate* unmanaged[Cdecl]<CK_SLOT_ID, CK_RV> C_CloseAllSessions;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_SESSION_INFO*, CK_RV> C_GetSessionInfo;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG*, CK_RV> C_GetOperationState;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE, CK_RV> C_SetOperationState;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_USER_TYPE, byte*, CK_ULONG, CK_RV> C_Login;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_RV> C_Logout;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_ATTRIBUTE*, CK_ULONG, CK_OBJECT_HANDLE*, CK_RV> C_CreateObject;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ATTRIBUTE*, CK_ULONG, CK_OBJECT_HANDLE*, CK_RV> C_CopyObject;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_RV> C_DestroyObject;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ULONG*, CK_RV> C_GetObjectSize;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ATTRIBUTE*, CK_ULONG, CK_RV> C_GetAttributeValue;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ATTRIBUTE*, CK_ULONG, CK_RV> C_SetAttributeValue;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_ATTRIBUTE*, CK_ULONG, CK_RV> C_FindObjectsInit;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_OBJECT_HANDLE*, CK_ULONG, CK_ULONG*, CK_RV> C_FindObjects;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_RV> C_FindObjectsFinal;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_MECHANISM*, CK_OBJECT_HANDLE, CK_RV> C_EncryptInit;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, byte*, CK_ULONG*, CK_RV> C_Encrypt;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, byte*, CK_ULONG*, CK_RV> C_EncryptUpdate;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG*, CK_RV> C_EncryptFinal;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_MECHANISM*, CK_OBJECT_HANDLE, CK_RV> C_DecryptInit;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, byte*, CK_ULONG*, CK_RV> C_Decrypt;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, byte*, CK_ULONG*, CK_RV> C_DecryptUpdate;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG*, CK_RV> C_DecryptFinal;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_MECHANISM*, CK_RV> C_DigestInit;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, byte*, CK_ULONG*, CK_RV> C_Digest;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, CK_RV> C_DigestUpdate;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_RV> C_DigestKey;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG*, CK_RV> C_DigestFinal;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_MECHANISM*, CK_OBJECT_HANDLE, CK_RV> C_SignInit;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, byte*, CK_ULONG*, CK_RV> C_Sign;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, CK_RV> C_SignUpdate;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG*, CK_RV> C_SignFinal;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_MECHANISM*, CK_OBJECT_HANDLE, CK_RV> C_SignRecoverInit;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, byte*, CK_ULONG*, CK_RV> C_SignRecover;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_MECHANISM*, CK_OBJECT_HANDLE, CK_RV> C_VerifyInit;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, byte*, CK_ULONG, CK_RV> C_Verify;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, CK_RV> C_VerifyUpdate;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, CK_RV> C_VerifyFinal;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_MECHANISM*, CK_OBJECT_HANDLE, CK_RV> C_VerifyRecoverInit;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, byte*, CK_ULONG*, CK_RV> C_VerifyRecover;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, byte*, CK_ULONG*, CK_RV> C_DigestEncryptUpdate;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, byte*, CK_ULONG*, CK_RV> C_DecryptDigestUpdate;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, byte*, CK_ULONG*, CK_RV> C_SignEncryptUpdate;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, byte*, CK_ULONG*, CK_RV> C_DecryptVerifyUpdate;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_MECHANISM*, CK_ATTRIBUTE*, CK_ULONG, CK_OBJECT_HANDLE*, CK_RV> C_GenerateKey;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_MECHANISM*, CK_ATTRIBUTE*, CK_ULONG, CK_ATTRIBUTE*, CK_ULONG, CK_OBJECT_HANDLE*, CK_OBJECT_HANDLE*, CK_RV> C_GenerateKeyPair;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_MECHANISM*, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE, byte*, CK_ULONG*, CK_RV> C_WrapKey;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_MECHANISM*, CK_OBJECT_HANDLE, byte*, CK_ULONG, CK_ATTRIBUTE*, CK_ULONG, CK_OBJECT_HANDLE*, CK_RV> C_UnwrapKey;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_MECHANISM*, CK_OBJECT_HANDLE, CK_ATTRIBUTE*, CK_ULONG, CK_OBJECT_HANDLE*, CK_RV> C_DeriveKey;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, CK_RV> C_SeedRandom;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, CK_RV> C_GenerateRandom;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_RV> C_GetFunctionStatus;
    public delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, CK_RV> C_CancelFunction;
    public delegate* unmanaged[Cdecl]<CK_FLAGS, CK_SLOT_ID*, void*, CK_RV> C_WaitForSlotEvent;
}
