using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Native.Exports;

/// <summary>Decryption functions (PKCS#11 §5.9). Outputs follow the two-call convention (<see cref="OutBuffer"/>).</summary>
internal static unsafe class Decrypt
{
    [UnmanagedCallersOnly(EntryPoint = "C_DecryptInit", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_DecryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM* pMechanism, CK_OBJECT_HANDLE hKey)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            if (pMechanism == null)
                backend.CancelOperation(hSession, OperationKind.Decrypt); // PKCS#11 3.0: a NULL mechanism cancels
            else
                backend.DecryptInit(hSession, MechanismReader.Read(pMechanism), hKey);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pMechanism={Boundary.Ptr(pMechanism)}, hKey={hKey}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Decrypt", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_Decrypt(CK_SESSION_HANDLE hSession, byte* pEncryptedData, CK_ULONG ulEncryptedDataLen, byte* pData, CK_ULONG* pulDataLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var input = NativeIn.Bytes(pEncryptedData, ulEncryptedDataLen);
            var output = OutBuffer.ForBytes(pData, pulDataLen);
            rv = output.Commit(backend.Decrypt(hSession, input, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.Decrypt, pulDataLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pEncryptedData={Boundary.Ptr(pEncryptedData)}, ulEncryptedDataLen={ulEncryptedDataLen}, pData={Boundary.Ptr(pData)}, pulDataLen={Boundary.Held(pulDataLen)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DecryptUpdate", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_DecryptUpdate(CK_SESSION_HANDLE hSession, byte* pEncryptedPart, CK_ULONG ulEncryptedPartLen, byte* pPart, CK_ULONG* pulPartLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var input = NativeIn.Bytes(pEncryptedPart, ulEncryptedPartLen);
            var output = OutBuffer.ForBytes(pPart, pulPartLen);
            rv = output.Commit(backend.DecryptUpdate(hSession, input, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.Decrypt, pulPartLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pEncryptedPart={Boundary.Ptr(pEncryptedPart)}, ulEncryptedPartLen={ulEncryptedPartLen}, pPart={Boundary.Ptr(pPart)}, pulPartLen={Boundary.Held(pulPartLen)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DecryptFinal", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_DecryptFinal(CK_SESSION_HANDLE hSession, byte* pLastPart, CK_ULONG* pulLastPartLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var output = OutBuffer.ForBytes(pLastPart, pulLastPartLen);
            rv = output.Commit(backend.DecryptFinal(hSession, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.Decrypt, pulLastPartLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pLastPart={Boundary.Ptr(pLastPart)}, pulLastPartLen={Boundary.Held(pulLastPartLen)}");
    }
}
