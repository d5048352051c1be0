using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Native.Exports;

/// <summary>Encryption functions (PKCS#11 §5.8). Outputs follow the two-call convention (<see cref="OutBuffer"/>).</summary>
internal static unsafe class Encrypt
{
    [UnmanagedCallersOnly(EntryPoint = "C_EncryptInit", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_EncryptInit(CK_SESSION_HANDLE hSession, CK_MECHANISM* pMechanism, CK_OBJECT_HANDLE hKey)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            if (pMechanism == null)
                backend.CancelOperation(hSession, OperationKind.Encrypt); // PKCS#11 3.0: a NULL mechanism cancels
            else
                backend.EncryptInit(hSession, MechanismReader.Read(pMechanism), hKey);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pMechanism={Boundary.Ptr(pMechanism)}, hKey={hKey}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Encrypt", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_Encrypt(CK_SESSION_HANDLE hSession, byte* pData, CK_ULONG ulDataLen, byte* pEncryptedData, CK_ULONG* pulEncryptedDataLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var input = NativeIn.Bytes(pData, ulDataLen);
            var output = OutBuffer.ForBytes(pEncryptedData, pulEncryptedDataLen);
            rv = output.Commit(backend.Encrypt(hSession, input, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.Encrypt, pulEncryptedDataLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pData={Boundary.Ptr(pData)}, ulDataLen={ulDataLen}, pEncryptedData={Boundary.Ptr(pEncryptedData)}, pulEncryptedDataLen={Boundary.Held(pulEncryptedDataLen)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_EncryptUpdate", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_EncryptUpdate(CK_SESSION_HANDLE hSession, byte* pPart, CK_ULONG ulPartLen, byte* pEncryptedPart, CK_ULONG* pulEncryptedPartLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var input = NativeIn.Bytes(pPart, ulPartLen);
            var output = OutBuffer.ForBytes(pEncryptedPart, pulEncryptedPartLen);
            rv = output.Commit(backend.EncryptUpdate(hSession, input, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.Encrypt, pulEncryptedPartLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pPart={Boundary.Ptr(pPart)}, ulPartLen={ulPartLen}, pEncryptedPart={Boundary.Ptr(pEncryptedPart)}, pulEncryptedPartLen={Boundary.Held(pulEncryptedPartLen)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_EncryptFinal", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_EncryptFinal(CK_SESSION_HANDLE hSession, byte* pLastEncryptedPart, CK_ULONG* pulLastEncryptedPartLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var output = OutBuffer.ForBytes(pLastEncryptedPart, pulLastEncryptedPartLen);
            rv = output.Commit(backend.EncryptFinal(hSession, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.Encrypt, pulLastEncryptedPartLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pLastEncryptedPart={Boundary.Ptr(pLastEncryptedPart)}, pulLastEncryptedPartLen={Boundary.Held(pulLastEncryptedPartLen)}");
    }
}
