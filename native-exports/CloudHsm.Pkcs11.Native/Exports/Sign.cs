using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Native.Exports;

/// <summary>Signing and MACing functions (PKCS#11 §5.11).</summary>
internal static unsafe class Sign
{
    [UnmanagedCallersOnly(EntryPoint = "C_SignInit", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_SignInit(CK_SESSION_HANDLE hSession, CK_MECHANISM* pMechanism, CK_OBJECT_HANDLE hKey)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            if (pMechanism == null)
                backend.CancelOperation(hSession, OperationKind.Sign); // PKCS#11 3.0: a NULL mechanism cancels
            else
                backend.SignInit(hSession, MechanismReader.Read(pMechanism), hKey);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pMechanism={Boundary.Ptr(pMechanism)}, hKey={hKey}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Sign", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_Sign(CK_SESSION_HANDLE hSession, byte* pData, CK_ULONG ulDataLen, byte* pSignature, CK_ULONG* pulSignatureLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var input = NativeIn.Bytes(pData, ulDataLen);
            var output = OutBuffer.ForBytes(pSignature, pulSignatureLen);
            rv = output.Commit(backend.Sign(hSession, input, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.Sign, pulSignatureLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pData={Boundary.Ptr(pData)}, ulDataLen={ulDataLen}, pSignature={Boundary.Ptr(pSignature)}, pulSignatureLen={Boundary.Held(pulSignatureLen)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_SignUpdate", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_SignUpdate(CK_SESSION_HANDLE hSession, byte* pPart, CK_ULONG ulPartLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            backend.SignUpdate(hSession, NativeIn.Bytes(pPart, ulPartLen));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.Sign);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pPart={Boundary.Ptr(pPart)}, ulPartLen={ulPartLen}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_SignFinal", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_SignFinal(CK_SESSION_HANDLE hSession, byte* pSignature, CK_ULONG* pulSignatureLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var output = OutBuffer.ForBytes(pSignature, pulSignatureLen);
            rv = output.Commit(backend.SignFinal(hSession, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.Sign, pulSignatureLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pSignature={Boundary.Ptr(pSignature)}, pulSignatureLen={Boundary.Held(pulSignatureLen)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_SignRecoverInit", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_SignRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM* pMechanism, CK_OBJECT_HANDLE hKey)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            if (pMechanism == null)
                backend.CancelOperation(hSession, OperationKind.SignRecover); // PKCS#11 3.0: a NULL mechanism cancels
            else
                backend.SignRecoverInit(hSession, MechanismReader.Read(pMechanism), hKey);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pMechanism={Boundary.Ptr(pMechanism)}, hKey={hKey}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_SignRecover", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_SignRecover(CK_SESSION_HANDLE hSession, byte* pData, CK_ULONG ulDataLen, byte* pSignature, CK_ULONG* pulSignatureLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var input = NativeIn.Bytes(pData, ulDataLen);
            var output = OutBuffer.ForBytes(pSignature, pulSignatureLen);
            rv = output.Commit(backend.SignRecover(hSession, input, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.SignRecover, pulSignatureLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pData={Boundary.Ptr(pData)}, ulDataLen={ulDataLen}, pSignature={Boundary.Ptr(pSignature)}, pulSignatureLen={Boundary.Held(pulSignatureLen)}");
    }
}
