using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Native.Exports;

/// <summary>Random number generation functions (PKCS#11 §5.15).</summary>
internal static unsafe class Random
{
    [UnmanagedCallersOnly(EntryPoint = "C_SeedRandom", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_SeedRandom(CK_SESSION_HANDLE hSession, byte* pSeed, CK_ULONG ulSeedLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            backend.SeedRandom(hSession, NativeIn.Bytes(pSeed, ulSeedLen));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pSeed={Boundary.Ptr(pSeed)}, ulSeedLen={ulSeedLen}");
    }

    /// <summary>Not a two-call output: the caller names the length and the buffer is filled entirely.</summary>
    [UnmanagedCallersOnly(EntryPoint = "C_GenerateRandom", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GenerateRandom(CK_SESSION_HANDLE hSession, byte* pRandomData, CK_ULONG ulRandomLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            backend.GenerateRandom(hSession, NativeIn.Writable(pRandomData, ulRandomLen));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pRandomData={Boundary.Ptr(pRandomData)}, ulRandomLen={ulRandomLen}");
    }
}
