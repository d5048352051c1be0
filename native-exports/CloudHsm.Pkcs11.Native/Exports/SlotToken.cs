using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Native.Exports;

/// <summary>Slot and token management functions (PKCS#11 §5.5).</summary>
internal static unsafe class SlotToken
{
    [UnmanagedCallersOnly(EntryPoint = "C_GetSlotList", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID* pSlotList, CK_ULONG* pulCount)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var output = OutBuffer.ForArray(pSlotList, pulCount);
            rv = output.DeliverULongs(backend.GetSlotList(tokenPresent != 0));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, pulCount);
        }
        return Boundary.Exit(rv, $"tokenPresent={tokenPresent}, pSlotList={Boundary.Ptr(pSlotList)}, pulCount={Boundary.Held(pulCount)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetSlotInfo", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO* pInfo)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var info = NativeIn.Out(pInfo);
            InfoWriter.Write(info, backend.GetSlotInfo(slotID));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e);
        }
        return Boundary.Exit(rv, $"slotID={slotID}, pInfo={Boundary.Ptr(pInfo)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetTokenInfo", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO* pInfo)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var info = NativeIn.Out(pInfo);
            InfoWriter.Write(info, backend.GetTokenInfo(slotID));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e);
        }
        return Boundary.Exit(rv, $"slotID={slotID}, pInfo={Boundary.Ptr(pInfo)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetMechanismList", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE* pMechanismList, CK_ULONG* pulCount)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var output = OutBuffer.ForArray(pMechanismList, pulCount);
            var mechanisms = backend.GetMechanismList(slotID);
            rv = output.DeliverULongs(mechanisms.Select(m => (ulong)m).ToArray());
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, pulCount);
        }
        return Boundary.Exit(rv, $"slotID={slotID}, pMechanismList={Boundary.Ptr(pMechanismList)}, pulCount={Boundary.Held(pulCount)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetMechanismInfo", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO* pInfo)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var info = NativeIn.Out(pInfo);
            var mechanism = (CKM)NativeIn.Enum32(type, CKR.CKR_MECHANISM_INVALID);
            InfoWriter.Write(info, backend.GetMechanismInfo(slotID, mechanism));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e);
        }
        return Boundary.Exit(rv, $"slotID={slotID}, type=0x{(ulong)type:X}, pInfo={Boundary.Ptr(pInfo)}");
    }

    /// <summary>pLabel points to 32 blank-padded bytes (not a C string), so it is read as exactly that.</summary>
    [UnmanagedCallersOnly(EntryPoint = "C_InitToken", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_InitToken(CK_SLOT_ID slotID, byte* pPin, CK_ULONG ulPinLen, byte* pLabel)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var label = new ReadOnlySpan<byte>(NativeIn.Out(pLabel), 32).ToArray();
            using var pin = SecretCopy.Of(pPin, ulPinLen);
            backend.InitToken(slotID, pin.Span, label);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e);
        }
        return Boundary.Exit(rv, $"slotID={slotID}, pPin={Boundary.Ptr(pPin)}, ulPinLen={ulPinLen}, pLabel={Boundary.Ptr(pLabel)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_InitPIN", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_InitPIN(CK_SESSION_HANDLE hSession, byte* pPin, CK_ULONG ulPinLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            using var pin = SecretCopy.Of(pPin, ulPinLen);
            backend.InitPin(hSession, pin.Span);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pPin={Boundary.Ptr(pPin)}, ulPinLen={ulPinLen}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_SetPIN", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_SetPIN(CK_SESSION_HANDLE hSession, byte* pOldPin, CK_ULONG ulOldLen, byte* pNewPin, CK_ULONG ulNewLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            using var oldPin = SecretCopy.Of(pOldPin, ulOldLen);
            using var newPin = SecretCopy.Of(pNewPin, ulNewLen);
            backend.SetPin(hSession, oldPin.Span, newPin.Span);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pOldPin={Boundary.Ptr(pOldPin)}, ulOldLen={ulOldLen}, pNewPin={Boundary.Ptr(pNewPin)}, ulNewLen={ulNewLen}");
    }

    /// <summary>Blocks (unless CKF_DONT_BLOCK) until a slot event or C_Finalize; see the backend.</summary>
    [UnmanagedCallersOnly(EntryPoint = "C_WaitForSlotEvent", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID* pSlot, void* pReserved)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            if (pReserved != null)
                throw new Core.Errors.CkrException(CKR.CKR_ARGUMENTS_BAD, "pReserved must be NULL");
            var slot = NativeIn.Out(pSlot);
            *slot = CkULong.From(backend.WaitForSlotEvent(dontBlock: ((ulong)flags & CKF.CKF_DONT_BLOCK) != 0));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e);
        }
        return Boundary.Exit(rv, $"flags=0x{(ulong)flags:X}, pSlot={Boundary.Ptr(pSlot)}, pReserved={Boundary.Ptr(pReserved)}");
    }
}
