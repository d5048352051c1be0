using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Native.Exports;

/// <summary>Session management functions (PKCS#11 §5.6).</summary>
internal static unsafe class Session
{
    /// <summary>pApplication and Notify are accepted and never used: the module makes no callbacks
    /// (PKCS#11 allows a library not to).</summary>
    [UnmanagedCallersOnly(EntryPoint = "C_OpenSession", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, void* pApplication, void* Notify, CK_SESSION_HANDLE* phSession)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var session = NativeIn.Out(phSession);
            *session = CkULong.From(backend.OpenSession(slotID, flags));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e);
        }
        return Boundary.Exit(rv, $"slotID={slotID}, flags=0x{(ulong)flags:X}, pApplication={Boundary.Ptr(pApplication)}, Notify={Boundary.Ptr(Notify)}, phSession={Boundary.Held(phSession)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_CloseSession", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_CloseSession(CK_SESSION_HANDLE hSession)
    {
        CKR rv;
        try
        {
            ModuleState.Backend.CloseSession(hSession);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_CloseAllSessions", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_CloseAllSessions(CK_SLOT_ID slotID)
    {
        CKR rv;
        try
        {
            ModuleState.Backend.CloseAllSessions(slotID);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e);
        }
        return Boundary.Exit(rv, $"slotID={slotID}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetSessionInfo", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO* pInfo)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var info = NativeIn.Out(pInfo);
            InfoWriter.Write(info, backend.GetSessionInfo(hSession));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pInfo={Boundary.Ptr(pInfo)}");
    }

    /// <summary>The backend decides what state it can save (CKR_STATE_UNSAVEABLE is a valid answer);
    /// the state is produced whole, then delivered by the two-call convention.</summary>
    [UnmanagedCallersOnly(EntryPoint = "C_GetOperationState", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GetOperationState(CK_SESSION_HANDLE hSession, byte* pOperationState, CK_ULONG* pulOperationStateLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var output = OutBuffer.ForBytes(pOperationState, pulOperationStateLen);
            rv = output.Deliver(backend.GetOperationState(hSession));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, pulOperationStateLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pOperationState={Boundary.Ptr(pOperationState)}, pulOperationStateLen={Boundary.Held(pulOperationStateLen)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_SetOperationState", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_SetOperationState(CK_SESSION_HANDLE hSession, byte* pOperationState, CK_ULONG ulOperationStateLen,
                                            CK_OBJECT_HANDLE hEncryptionKey, CK_OBJECT_HANDLE hAuthenticationKey)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var state = NativeIn.Bytes(pOperationState, ulOperationStateLen).ToArray();
            backend.SetOperationState(hSession, state, hEncryptionKey, hAuthenticationKey);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pOperationState={Boundary.Ptr(pOperationState)}, ulOperationStateLen={ulOperationStateLen}, hEncryptionKey={hEncryptionKey}, hAuthenticationKey={hAuthenticationKey}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Login", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, byte* pPin, CK_ULONG ulPinLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var user = (CKU)NativeIn.Enum32(userType, CKR.CKR_USER_TYPE_INVALID);
            using var pin = SecretCopy.Of(pPin, ulPinLen);
            backend.Login(hSession, user, pin.Span);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, userType={userType}, pPin={Boundary.Ptr(pPin)}, ulPinLen={ulPinLen}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Logout", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_Logout(CK_SESSION_HANDLE hSession)
    {
        CKR rv;
        try
        {
            ModuleState.Backend.Logout(hSession);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}");
    }
}
