using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Exports;
using Object = CloudHsm.Pkcs11.Native.Exports.Object;
using Random = CloudHsm.Pkcs11.Native.Exports.Random;

namespace CloudHsm.Pkcs11.Native;

/// <summary>
/// The CK_FUNCTION_LIST (2.40) and the one CK_INTERFACE that names it ("PKCS 11", 2.40), built once
/// in native memory and never freed: callers keep the pointers for the life of the process (and the
/// library is never unloaded, see the csproj's NODELETE). The assignments follow pkcs11f.h's order,
/// the same order as the struct's fields.
/// </summary>
internal static unsafe class FunctionList
{
    public static readonly CK_FUNCTION_LIST* V240 = CreateV240();

    public static readonly CK_INTERFACE* Interface240 = CreateInterface(V240);

    /// <summary>The only interface name PKCS#11 3.0 defines for the standard function lists.</summary>
    public static ReadOnlySpan<byte> InterfaceName => "PKCS 11"u8;

    private static CK_FUNCTION_LIST* CreateV240()
    {
        var list = (CK_FUNCTION_LIST*)NativeMemory.AllocZeroed((nuint)sizeof(CK_FUNCTION_LIST));
        list->version = new CK_VERSION(2, 40);
        list->C_Initialize = &General.C_Initialize;
        list->C_Finalize = &General.C_Finalize;
        list->C_GetInfo = &General.C_GetInfo;
        list->C_GetFunctionList = &General.C_GetFunctionList;
        list->C_GetSlotList = &SlotToken.C_GetSlotList;
        list->C_GetSlotInfo = &SlotToken.C_GetSlotInfo;
        list->C_GetTokenInfo = &SlotToken.C_GetTokenInfo;
        list->C_GetMechanismList = &SlotToken.C_GetMechanismList;
        list->C_GetMechanismInfo = &SlotToken.C_GetMechanismInfo;
        list->C_InitToken = &SlotToken.C_InitToken;
        list->C_InitPIN = &SlotToken.C_InitPIN;
        list->C_SetPIN = &SlotToken.C_SetPIN;
        list->C_OpenSession = &Session.C_OpenSession;
        list->C_CloseSession = &Session.C_CloseSession;
        list->C_CloseAllSessions = &Session.C_CloseAllSessions;
        list->C_GetSessionInfo = &Session.C_GetSessionInfo;
        list->C_GetOperationState = &Session.C_GetOperationState;
        list->C_SetOperationState = &Session.C_SetOperationState;
        list->C_Login = &Session.C_Login;
        list->C_Logout = &Session.C_Logout;
        list->C_CreateObject = &Object.C_CreateObject;
        list->C_CopyObject = &Object.C_CopyObject;
        list->C_DestroyObject = &Object.C_DestroyObject;
        list->C_GetObjectSize = &Object.C_GetObjectSize;
        list->C_GetAttributeValue = &Object.C_GetAttributeValue;
        list->C_SetAttributeValue = &Object.C_SetAttributeValue;
        list->C_FindObjectsInit = &Object.C_FindObjectsInit;
        list->C_FindObjects = &Object.C_FindObjects;
        list->C_FindObjectsFinal = &Object.C_FindObjectsFinal;
        list->C_EncryptInit = &Encrypt.C_EncryptInit;
        list->C_Encrypt = &Encrypt.C_Encrypt;
        list->C_EncryptUpdate = &Encrypt.C_EncryptUpdate;
        list->C_EncryptFinal = &Encrypt.C_EncryptFinal;
        list->C_DecryptInit = &Decrypt.C_DecryptInit;
        list->C_Decrypt = &Decrypt.C_Decrypt;
        list->C_DecryptUpdate = &Decrypt.C_DecryptUpdate;
        list->C_DecryptFinal = &Decrypt.C_DecryptFinal;
        list->C_DigestInit = &Digest.C_DigestInit;
        list->C_Digest = &Digest.C_Digest;
        list->C_DigestUpdate = &Digest.C_DigestUpdate;
        list->C_DigestKey = &Digest.C_DigestKey;
        list->C_DigestFinal = &Digest.C_DigestFinal;
        list->C_SignInit = &Sign.C_SignInit;
        list->C_Sign = &Sign.C_Sign;
        list->C_SignUpdate = &Sign.C_SignUpdate;
        list->C_SignFinal = &Sign.C_SignFinal;
        list->C_SignRecoverInit = &Sign.C_SignRecoverInit;
        list->C_SignRecover = &Sign.C_SignRecover;
        list->C_VerifyInit = &Verify.C_VerifyInit;
        list->C_Verify = &Verify.C_Verify;
        list->C_VerifyUpdate = &Verify.C_VerifyUpdate;
        list->C_VerifyFinal = &Verify.C_VerifyFinal;
        list->C_VerifyRecoverInit = &Verify.C_VerifyRecoverInit;
        list->C_VerifyRecover = &Verify.C_VerifyRecover;
        list->C_DigestEncryptUpdate = &Dual.C_DigestEncryptUpdate;
        list->C_DecryptDigestUpdate = &Dual.C_DecryptDigestUpdate;
        list->C_SignEncryptUpdate = &Dual.C_SignEncryptUpdate;
        list->C_DecryptVerifyUpdate = &Dual.C_DecryptVerifyUpdate;
        list->C_GenerateKey = &KeyMgmt.C_GenerateKey;
        list->C_GenerateKeyPair = &KeyMgmt.C_GenerateKeyPair;
        list->C_WrapKey = &KeyMgmt.C_WrapKey;
        list->C_UnwrapKey = &KeyMgmt.C_UnwrapKey;
        list->C_DeriveKey = &KeyMgmt.C_DeriveKey;
        list->C_SeedRandom = &Random.C_SeedRandom;
        list->C_GenerateRandom = &Random.C_GenerateRandom;
        list->C_GetFunctionStatus = &Legacy.C_GetFunctionStatus;
        list->C_CancelFunction = &Legacy.C_CancelFunction;
        list->C_WaitForSlotEvent = &SlotToken.C_WaitForSlotEvent;
        return list;
    }

    private static CK_INTERFACE* CreateInterface(CK_FUNCTION_LIST* functions)
    {
        // Its own NUL-terminated copy in native memory, owned by the interface like the list itself.
        var name = (byte*)NativeMemory.AllocZeroed((nuint)InterfaceName.Length + 1);
        InterfaceName.CopyTo(new Span<byte>(name, InterfaceName.Length));
        var iface = (CK_INTERFACE*)NativeMemory.AllocZeroed((nuint)sizeof(CK_INTERFACE));
        iface->pInterfaceName = name;
        iface->pFunctionList = functions;
        iface->flags = 0; // not CKF_INTERFACE_FORK_SAFE: a forked child must call C_Initialize again
        return iface;
    }
}
