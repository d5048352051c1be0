using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Native.Exports;

/// <summary>Dual-function cryptographic operations (PKCS#11 §5.13): one update feeding two active operations.</summary>
internal static unsafe class Dual
{
    [UnmanagedCallersOnly(EntryPoint = "C_DigestEncryptUpdate", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE hSession, byte* pPart, CK_ULONG ulPartLen, byte* pEncryptedPart, CK_ULONG* pulEncryptedPartLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var input = NativeIn.Bytes(pPart, ulPartLen);
            var output = OutBuffer.ForBytes(pEncryptedPart, pulEncryptedPartLen);
            rv = output.Commit(backend.DigestEncryptUpdate(hSession, input, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, pulEncryptedPartLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pPart={Boundary.Ptr(pPart)}, ulPartLen={ulPartLen}, pEncryptedPart={Boundary.Ptr(pEncryptedPart)}, pulEncryptedPartLen={Boundary.Held(pulEncryptedPartLen)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DecryptDigestUpdate", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE hSession, byte* pEncryptedPart, CK_ULONG ulEncryptedPartLen, byte* pPart, CK_ULONG* pulPartLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var input = NativeIn.Bytes(pEncryptedPart, ulEncryptedPartLen);
            var output = OutBuffer.ForBytes(pPart, pulPartLen);
            rv = output.Commit(backend.DecryptDigestUpdate(hSession, input, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, pulPartLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pEncryptedPart={Boundary.Ptr(pEncryptedPart)}, ulEncryptedPartLen={ulEncryptedPartLen}, pPart={Boundary.Ptr(pPart)}, pulPartLen={Boundary.Held(pulPartLen)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_SignEncryptUpdate", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE hSession, byte* pPart, CK_ULONG ulPartLen, byte* pEncryptedPart, CK_ULONG* pulEncryptedPartLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var input = NativeIn.Bytes(pPart, ulPartLen);
            var output = OutBuffer.ForBytes(pEncryptedPart, pulEncryptedPartLen);
            rv = output.Commit(backend.SignEncryptUpdate(hSession, input, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, pulEncryptedPartLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pPart={Boundary.Ptr(pPart)}, ulPartLen={ulPartLen}, pEncryptedPart={Boundary.Ptr(pEncryptedPart)}, pulEncryptedPartLen={Boundary.Held(pulEncryptedPartLen)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DecryptVerifyUpdate", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE hSession, byte* pEncryptedPart, CK_ULONG ulEncryptedPartLen, byte* pPart, CK_ULONG* pulPartLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var input = NativeIn.Bytes(pEncryptedPart, ulEncryptedPartLen);
            var output = OutBuffer.ForBytes(pPart, pulPartLen);
            rv = output.Commit(backend.DecryptVerifyUpdate(hSession, input, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, pulPartLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pEncryptedPart={Boundary.Ptr(pEncryptedPart)}, ulEncryptedPartLen={ulEncryptedPartLen}, pPart={Boundary.Ptr(pPart)}, pulPartLen={Boundary.Held(pulPartLen)}");
    }
}
