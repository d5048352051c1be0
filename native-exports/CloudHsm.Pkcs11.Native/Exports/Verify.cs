using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Native.Exports;

/// <summary>Functions for verifying signatures and MACs (PKCS#11 §5.12). A wrong signature is the backend's CKR_SIGNATURE_INVALID.</summary>
internal static unsafe class Verify
{
    [UnmanagedCallersOnly(EntryPoint = "C_VerifyInit", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_VerifyInit(CK_SESSION_HANDLE hSession, CK_MECHANISM* pMechanism, CK_OBJECT_HANDLE hKey)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            if (pMechanism == null)
                backend.CancelOperation(hSession, OperationKind.Verify); // PKCS#11 3.0: a NULL mechanism cancels
            else
                backend.VerifyInit(hSession, MechanismReader.Read(pMechanism), hKey);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pMechanism={Boundary.Ptr(pMechanism)}, hKey={hKey}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Verify", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_Verify(CK_SESSION_HANDLE hSession, byte* pData, CK_ULONG ulDataLen, byte* pSignature, CK_ULONG ulSignatureLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            backend.Verify(hSession, NativeIn.Bytes(pData, ulDataLen), NativeIn.Bytes(pSignature, ulSignatureLen));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.Verify);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pData={Boundary.Ptr(pData)}, ulDataLen={ulDataLen}, pSignature={Boundary.Ptr(pSignature)}, ulSignatureLen={ulSignatureLen}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_VerifyUpdate", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_VerifyUpdate(CK_SESSION_HANDLE hSession, byte* pPart, CK_ULONG ulPartLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            backend.VerifyUpdate(hSession, NativeIn.Bytes(pPart, ulPartLen));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.Verify);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pPart={Boundary.Ptr(pPart)}, ulPartLen={ulPartLen}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_VerifyFinal", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_VerifyFinal(CK_SESSION_HANDLE hSession, byte* pSignature, CK_ULONG ulSignatureLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            backend.VerifyFinal(hSession, NativeIn.Bytes(pSignature, ulSignatureLen));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.Verify);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pSignature={Boundary.Ptr(pSignature)}, ulSignatureLen={ulSignatureLen}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_VerifyRecoverInit", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE hSession, CK_MECHANISM* pMechanism, CK_OBJECT_HANDLE hKey)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            if (pMechanism == null)
                backend.CancelOperation(hSession, OperationKind.VerifyRecover); // PKCS#11 3.0: a NULL mechanism cancels
            else
                backend.VerifyRecoverInit(hSession, MechanismReader.Read(pMechanism), hKey);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pMechanism={Boundary.Ptr(pMechanism)}, hKey={hKey}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_VerifyRecover", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_VerifyRecover(CK_SESSION_HANDLE hSession, byte* pSignature, CK_ULONG ulSignatureLen, byte* pData, CK_ULONG* pulDataLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var input = NativeIn.Bytes(pSignature, ulSignatureLen);
            var output = OutBuffer.ForBytes(pData, pulDataLen);
            rv = output.Commit(backend.VerifyRecover(hSession, input, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.VerifyRecover, pulDataLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pSignature={Boundary.Ptr(pSignature)}, ulSignatureLen={ulSignatureLen}, pData={Boundary.Ptr(pData)}, pulDataLen={Boundary.Held(pulDataLen)}");
    }
}
