using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Infrastructure;

/// <summary>
/// The module's functions as raw C function pointers, for the ABI tests Pkcs11Interop cannot express:
/// NULL for a pointer that Pkcs11Interop passes by <c>ref</c>, and the 3.0 discovery functions
/// C_GetInterfaceList / C_GetInterface, which Pkcs11Interop 5.3.0 does not know.
/// The library handle comes from NativeLibrary.Load (dlopen); the same loaded image Pkcs11Interop uses.
/// </summary>
internal sealed unsafe class RawApi
{
    /// <summary>The 68 function pointers of CK_FUNCTION_LIST (v2.40), in header order.</summary>
    public static readonly string[] FunctionNames =
    [
        "C_Initialize", "C_Finalize", "C_GetInfo", "C_GetFunctionList", "C_GetSlotList", "C_GetSlotInfo",
        "C_GetTokenInfo", "C_GetMechanismList", "C_GetMechanismInfo", "C_InitToken", "C_InitPIN", "C_SetPIN",
        "C_OpenSession", "C_CloseSession", "C_CloseAllSessions", "C_GetSessionInfo", "C_GetOperationState",
        "C_SetOperationState", "C_Login", "C_Logout", "C_CreateObject", "C_CopyObject", "C_DestroyObject",
        "C_GetObjectSize", "C_GetAttributeValue", "C_SetAttributeValue", "C_FindObjectsInit", "C_FindObjects",
        "C_FindObjectsFinal", "C_EncryptInit", "C_Encrypt", "C_EncryptUpdate", "C_EncryptFinal", "C_DecryptInit",
        "C_Decrypt", "C_DecryptUpdate", "C_DecryptFinal", "C_DigestInit", "C_Digest", "C_DigestUpdate",
        "C_DigestKey", "C_DigestFinal", "C_SignInit", "C_Sign", "C_SignUpdate", "C_SignFinal", "C_SignRecoverInit",
        "C_SignRecover", "C_VerifyInit", "C_Verify", "C_VerifyUpdate", "C_VerifyFinal", "C_VerifyRecoverInit",
        "C_VerifyRecover", "C_DigestEncryptUpdate", "C_DecryptDigestUpdate", "C_SignEncryptUpdate",
        "C_DecryptVerifyUpdate", "C_GenerateKey", "C_GenerateKeyPair", "C_WrapKey", "C_UnwrapKey", "C_DeriveKey",
        "C_SeedRandom", "C_GenerateRandom", "C_GetFunctionStatus", "C_CancelFunction", "C_WaitForSlotEvent",
    ];

    /// <summary>CK_INTERFACE on 64-bit Unix: { CK_UTF8CHAR_PTR pInterfaceName; CK_VOID_PTR pFunctionList; CK_FLAGS flags; }.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct CK_INTERFACE
    {
        public IntPtr pInterfaceName;
        public IntPtr pFunctionList;
        public ulong flags;

        public readonly string Name => Marshal.PtrToStringUTF8(pInterfaceName) ?? "";
        public readonly (byte Major, byte Minor) Version =>
            pFunctionList == IntPtr.Zero ? ((byte)0, (byte)0) : (((byte*)pFunctionList)[0], ((byte*)pFunctionList)[1]);
    }

    public IntPtr LibraryHandle { get; }

    /// <summary>The CK_FUNCTION_LIST* that C_GetFunctionList returned.</summary>
    public IntPtr FunctionList { get; }

    public RawApi(string libraryPath)
    {
        LibraryHandle = NativeLibrary.Load(libraryPath);   // never freed: one module instance per process
        var getFunctionList = (delegate* unmanaged[Cdecl]<IntPtr*, ulong>)NativeLibrary.GetExport(LibraryHandle, "C_GetFunctionList");
        IntPtr list;
        ulong rv = getFunctionList(&list);
        if (rv != 0 || list == IntPtr.Zero)
            throw new InvalidOperationException($"C_GetFunctionList returned {(CKR)rv}");
        FunctionList = list;
    }

    /// <summary>CK_FUNCTION_LIST.version.</summary>
    public (byte Major, byte Minor) FunctionListVersion => (((byte*)FunctionList)[0], ((byte*)FunctionList)[1]);

    /// <summary>The pointer in CK_FUNCTION_LIST for a function: CK_VERSION is padded to 8 bytes, then 8 bytes per pointer.</summary>
    public IntPtr Fn(string name)
    {
        int index = Array.IndexOf(FunctionNames, name);
        if (index < 0) throw new ArgumentException("not a v2.40 function: " + name, nameof(name));
        return ((IntPtr*)((byte*)FunctionList + 8))[index];
    }

    public IntPtr Export(string name) => NativeLibrary.TryGetExport(LibraryHandle, name, out IntPtr p) ? p : IntPtr.Zero;

    private static CKR R(ulong rv) => (CKR)(uint)rv;

    // --- General purpose -------------------------------------------------------------------------------
    public CKR C_Initialize(void* pInitArgs) => R(((delegate* unmanaged[Cdecl]<void*, ulong>)Fn("C_Initialize"))(pInitArgs));
    public CKR C_Finalize(void* pReserved) => R(((delegate* unmanaged[Cdecl]<void*, ulong>)Fn("C_Finalize"))(pReserved));
    public CKR C_GetInfo(void* pInfo) => R(((delegate* unmanaged[Cdecl]<void*, ulong>)Fn("C_GetInfo"))(pInfo));
    public CKR C_GetFunctionList(IntPtr* ppList) => R(((delegate* unmanaged[Cdecl]<IntPtr*, ulong>)Fn("C_GetFunctionList"))(ppList));

    public CKR C_GetInterfaceList(CK_INTERFACE* pList, ulong* pulCount)
    {
        IntPtr f = Export("C_GetInterfaceList");
        if (f == IntPtr.Zero) throw new AssertionException("the module does not export C_GetInterfaceList");
        return R(((delegate* unmanaged[Cdecl]<CK_INTERFACE*, ulong*, ulong>)f)(pList, pulCount));
    }

    public CKR C_GetInterface(byte* pName, byte* pVersion, CK_INTERFACE** ppInterface, ulong flags)
    {
        IntPtr f = Export("C_GetInterface");
        if (f == IntPtr.Zero) throw new AssertionException("the module does not export C_GetInterface");
        return R(((delegate* unmanaged[Cdecl]<byte*, byte*, CK_INTERFACE**, ulong, ulong>)f)(pName, pVersion, ppInterface, flags));
    }

    // --- Slots and tokens -----------------------------------------------------------------------------
    public CKR C_GetSlotList(byte tokenPresent, ulong* pSlotList, ulong* pulCount) =>
        R(((delegate* unmanaged[Cdecl]<byte, ulong*, ulong*, ulong>)Fn("C_GetSlotList"))(tokenPresent, pSlotList, pulCount));
    public CKR C_GetSlotInfo(ulong slot, void* pInfo) => R(((delegate* unmanaged[Cdecl]<ulong, void*, ulong>)Fn("C_GetSlotInfo"))(slot, pInfo));
    public CKR C_GetTokenInfo(ulong slot, void* pInfo) => R(((delegate* unmanaged[Cdecl]<ulong, void*, ulong>)Fn("C_GetTokenInfo"))(slot, pInfo));
    public CKR C_GetMechanismList(ulong slot, ulong* pList, ulong* pulCount) =>
        R(((delegate* unmanaged[Cdecl]<ulong, ulong*, ulong*, ulong>)Fn("C_GetMechanismList"))(slot, pList, pulCount));
    public CKR C_GetMechanismInfo(ulong slot, ulong type, void* pInfo) =>
        R(((delegate* unmanaged[Cdecl]<ulong, ulong, void*, ulong>)Fn("C_GetMechanismInfo"))(slot, type, pInfo));
    public CKR C_InitToken(ulong slot, byte* pPin, ulong pinLen, byte* pLabel) =>
        R(((delegate* unmanaged[Cdecl]<ulong, byte*, ulong, byte*, ulong>)Fn("C_InitToken"))(slot, pPin, pinLen, pLabel));
    public CKR C_InitPIN(ulong session, byte* pPin, ulong pinLen) =>
        R(((delegate* unmanaged[Cdecl]<ulong, byte*, ulong, ulong>)Fn("C_InitPIN"))(session, pPin, pinLen));
    public CKR C_SetPIN(ulong session, byte* pOld, ulong oldLen, byte* pNew, ulong newLen) =>
        R(((delegate* unmanaged[Cdecl]<ulong, byte*, ulong, byte*, ulong, ulong>)Fn("C_SetPIN"))(session, pOld, oldLen, pNew, newLen));

    // --- Sessions -------------------------------------------------------------------------------------
    public CKR C_OpenSession(ulong slot, ulong flags, void* pApplication, void* notify, ulong* phSession) =>
        R(((delegate* unmanaged[Cdecl]<ulong, ulong, void*, void*, ulong*, ulong>)Fn("C_OpenSession"))(slot, flags, pApplication, notify, phSession));
    public CKR C_GetSessionInfo(ulong session, void* pInfo) => R(((delegate* unmanaged[Cdecl]<ulong, void*, ulong>)Fn("C_GetSessionInfo"))(session, pInfo));
    public CKR C_Login(ulong session, ulong userType, byte* pPin, ulong pinLen) =>
        R(((delegate* unmanaged[Cdecl]<ulong, ulong, byte*, ulong, ulong>)Fn("C_Login"))(session, userType, pPin, pinLen));

    // --- Objects --------------------------------------------------------------------------------------
    public CKR C_CreateObject(ulong session, void* pTemplate, ulong count, ulong* phObject) =>
        R(((delegate* unmanaged[Cdecl]<ulong, void*, ulong, ulong*, ulong>)Fn("C_CreateObject"))(session, pTemplate, count, phObject));
    public CKR C_CopyObject(ulong session, ulong obj, void* pTemplate, ulong count, ulong* phNew) =>
        R(((delegate* unmanaged[Cdecl]<ulong, ulong, void*, ulong, ulong*, ulong>)Fn("C_CopyObject"))(session, obj, pTemplate, count, phNew));
    public CKR C_GetObjectSize(ulong session, ulong obj, ulong* pulSize) =>
        R(((delegate* unmanaged[Cdecl]<ulong, ulong, ulong*, ulong>)Fn("C_GetObjectSize"))(session, obj, pulSize));
    public CKR C_GetAttributeValue(ulong session, ulong obj, void* pTemplate, ulong count) =>
        R(((delegate* unmanaged[Cdecl]<ulong, ulong, void*, ulong, ulong>)Fn("C_GetAttributeValue"))(session, obj, pTemplate, count));
    public CKR C_SetAttributeValue(ulong session, ulong obj, void* pTemplate, ulong count) =>
        R(((delegate* unmanaged[Cdecl]<ulong, ulong, void*, ulong, ulong>)Fn("C_SetAttributeValue"))(session, obj, pTemplate, count));
    public CKR C_FindObjectsInit(ulong session, void* pTemplate, ulong count) =>
        R(((delegate* unmanaged[Cdecl]<ulong, void*, ulong, ulong>)Fn("C_FindObjectsInit"))(session, pTemplate, count));
    public CKR C_FindObjects(ulong session, ulong* phObject, ulong maxCount, ulong* pulCount) =>
        R(((delegate* unmanaged[Cdecl]<ulong, ulong*, ulong, ulong*, ulong>)Fn("C_FindObjects"))(session, phObject, maxCount, pulCount));

    // --- Digest and random ----------------------------------------------------------------------------
    public CKR C_DigestInit(ulong session, void* pMechanism) => R(((delegate* unmanaged[Cdecl]<ulong, void*, ulong>)Fn("C_DigestInit"))(session, pMechanism));
    public CKR C_Digest(ulong session, byte* pData, ulong dataLen, byte* pDigest, ulong* pulDigestLen) =>
        R(((delegate* unmanaged[Cdecl]<ulong, byte*, ulong, byte*, ulong*, ulong>)Fn("C_Digest"))(session, pData, dataLen, pDigest, pulDigestLen));
    public CKR C_DigestUpdate(ulong session, byte* pPart, ulong partLen) =>
        R(((delegate* unmanaged[Cdecl]<ulong, byte*, ulong, ulong>)Fn("C_DigestUpdate"))(session, pPart, partLen));
    public CKR C_DigestFinal(ulong session, byte* pDigest, ulong* pulDigestLen) =>
        R(((delegate* unmanaged[Cdecl]<ulong, byte*, ulong*, ulong>)Fn("C_DigestFinal"))(session, pDigest, pulDigestLen));
    public CKR C_SignInit(ulong session, void* pMechanism, ulong key) =>
        R(((delegate* unmanaged[Cdecl]<ulong, void*, ulong, ulong>)Fn("C_SignInit"))(session, pMechanism, key));
    public CKR C_SeedRandom(ulong session, byte* pSeed, ulong len) =>
        R(((delegate* unmanaged[Cdecl]<ulong, byte*, ulong, ulong>)Fn("C_SeedRandom"))(session, pSeed, len));
    public CKR C_GenerateRandom(ulong session, byte* pData, ulong len) =>
        R(((delegate* unmanaged[Cdecl]<ulong, byte*, ulong, ulong>)Fn("C_GenerateRandom"))(session, pData, len));
}
