using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CloudHsm.Core.Diagnostics;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Native.Exports;

/// <summary>General-purpose functions (PKCS#11 §5.4) and the 3.0 interface discovery functions.</summary>
internal static unsafe class General
{
    [UnmanagedCallersOnly(EntryPoint = "C_Initialize", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_Initialize(void* pInitArgs)
    {
        CKR rv;
        try
        {
            rv = ModuleState.Initialize(InitArgs.Read(pInitArgs));
        }
        catch (Exception e)
        {
            // A failed initialisation is always worth an error line (a bad configuration, usually).
            rv = Boundary.ToCkr(e, expectedLevel: DiagnosticLevel.Error);
        }
        return Boundary.Exit(rv, $"pInitArgs={Boundary.Ptr(pInitArgs)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_Finalize", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_Finalize(void* pReserved)
    {
        CKR rv;
        try
        {
            rv = pReserved != null ? CKR.CKR_ARGUMENTS_BAD : ModuleState.Finalize();
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e);
        }
        return Boundary.Exit(rv, $"pReserved={Boundary.Ptr(pReserved)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetInfo", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GetInfo(CK_INFO* pInfo)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            InfoWriter.Write(NativeIn.Out(pInfo), backend.GetInfo());
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e);
        }
        return Boundary.Exit(rv, $"pInfo={Boundary.Ptr(pInfo)}");
    }

    /// <summary>Works before C_Initialize: it is how callers find C_Initialize.</summary>
    [UnmanagedCallersOnly(EntryPoint = "C_GetFunctionList", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GetFunctionList(CK_FUNCTION_LIST** ppFunctionList)
    {
        CKR rv;
        try
        {
            if (ppFunctionList == null)
                throw new CkrException(CKR.CKR_ARGUMENTS_BAD, "ppFunctionList is NULL");
            *ppFunctionList = FunctionList.V240;
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e);
        }
        return Boundary.Exit(rv, $"ppFunctionList={Boundary.Ptr(ppFunctionList)}");
    }

    /// <summary>PKCS#11 3.0: lists the one interface we offer, "PKCS 11" 2.40. Works before C_Initialize.</summary>
    [UnmanagedCallersOnly(EntryPoint = "C_GetInterfaceList", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GetInterfaceList(CK_INTERFACE* pInterfacesList, CK_ULONG* pulCount)
    {
        CKR rv;
        try
        {
            var output = OutBuffer.ForArray(pInterfacesList, pulCount);
            if (output.TryReserve(1, out rv))
            {
                output.Elements<CK_INTERFACE>()[0] = *FunctionList.Interface240;
                rv = output.Commit(1);
            }
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, pulCount);
        }
        return Boundary.Exit(rv, $"pInterfacesList={Boundary.Ptr(pInterfacesList)}, pulCount={Boundary.Held(pulCount)}");
    }

    /// <summary>
    /// PKCS#11 3.0: the interface matching the name (NULL: our default), the version (NULL: any)
    /// and all the requested flags. Only "PKCS 11" 2.40 with no flags exists here; anything else is
    /// CKR_ARGUMENTS_BAD, the code the spec lists for an interface that is not found.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "C_GetInterface", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GetInterface(byte* pInterfaceName, CK_VERSION* pVersion, CK_INTERFACE** ppInterface, CK_FLAGS flags)
    {
        CKR rv;
        try
        {
            if (ppInterface == null)
                throw new CkrException(CKR.CKR_ARGUMENTS_BAD, "ppInterface is NULL");
            var offered = FunctionList.Interface240;
            bool nameMatches = pInterfaceName == null
                || MemoryMarshal.CreateReadOnlySpanFromNullTerminated(pInterfaceName).SequenceEqual(FunctionList.InterfaceName);
            bool versionMatches = pVersion == null
                || (pVersion->major == FunctionList.V240->version.major && pVersion->minor == FunctionList.V240->version.minor);
            bool flagsMatch = (flags & ~offered->flags) == 0;
            if (nameMatches && versionMatches && flagsMatch)
            {
                *ppInterface = offered;
                rv = CKR.CKR_OK;
            }
            else
            {
                rv = CKR.CKR_ARGUMENTS_BAD;
            }
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e);
        }
        return Boundary.Exit(rv, $"pInterfaceName={Boundary.Ptr(pInterfaceName)}, pVersion={Boundary.Ptr(pVersion)}, ppInterface={Boundary.Ptr(ppInterface)}, flags=0x{(ulong)flags:X}");
    }
}
