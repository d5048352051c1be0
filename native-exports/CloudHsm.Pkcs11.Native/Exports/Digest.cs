using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Native.Exports;

/// <summary>Message digesting functions (PKCS#11 §5.10).</summary>
internal static unsafe class Digest
{
    [UnmanagedCallersOnly(EntryPoint = "C_DigestInit", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_DigestInit(CK_SESSION_HANDLE hSession, CK_MECHANISM* pMechanism)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            if (pMechanism == null)
                backend.CancelOperation(hSession, OperationKind.Digest); // PKCS#11 3.0: a NULL mechanism cancels
            else
                backend.DigestInit(hSession, MechanismReader.Read(pMechanism));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pMechanism={Boundary.Ptr(pMechanism)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Digest", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_Digest(CK_SESSION_HANDLE hSession, byte* pData, CK_ULONG ulDataLen, byte* pDigest, CK_ULONG* pulDigestLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var input = NativeIn.Bytes(pData, ulDataLen);
            var output = OutBuffer.ForBytes(pDigest, pulDigestLen);
            rv = output.Commit(backend.Digest(hSession, input, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.Digest, pulDigestLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pData={Boundary.Ptr(pData)}, ulDataLen={ulDataLen}, pDigest={Boundary.Ptr(pDigest)}, pulDigestLen={Boundary.Held(pulDigestLen)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DigestUpdate", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_DigestUpdate(CK_SESSION_HANDLE hSession, byte* pPart, CK_ULONG ulPartLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            backend.DigestUpdate(hSession, NativeIn.Bytes(pPart, ulPartLen));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.Digest);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pPart={Boundary.Ptr(pPart)}, ulPartLen={ulPartLen}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DigestKey", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_DigestKey(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey)
    {
        CKR rv;
        try
        {
            ModuleState.Backend.DigestKey(hSession, hKey);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, hKey={hKey}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DigestFinal", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_DigestFinal(CK_SESSION_HANDLE hSession, byte* pDigest, CK_ULONG* pulDigestLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var output = OutBuffer.ForBytes(pDigest, pulDigestLen);
            rv = output.Commit(backend.DigestFinal(hSession, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, OperationKind.Digest, pulDigestLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pDigest={Boundary.Ptr(pDigest)}, pulDigestLen={Boundary.Held(pulDigestLen)}");
    }
}
