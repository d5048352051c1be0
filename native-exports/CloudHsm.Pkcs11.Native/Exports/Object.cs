using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Native.Exports;

/// <summary>Object management functions (PKCS#11 §5.7).</summary>
internal static unsafe class Object
{
    [UnmanagedCallersOnly(EntryPoint = "C_CreateObject", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE* pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE* phObject)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var result = NativeIn.Out(phObject);
            var template = TemplateReader.Read(pTemplate, ulCount);
            *result = CkULong.From(backend.CreateObject(hSession, template));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pTemplate={Boundary.Ptr(pTemplate)}, ulCount={ulCount}, phObject={Boundary.Held(phObject)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_CopyObject", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE* pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE* phNewObject)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var result = NativeIn.Out(phNewObject);
            var template = TemplateReader.Read(pTemplate, ulCount);
            *result = CkULong.From(backend.CopyObject(hSession, hObject, template));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, hObject={hObject}, pTemplate={Boundary.Ptr(pTemplate)}, ulCount={ulCount}, phNewObject={Boundary.Held(phNewObject)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_DestroyObject", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
    {
        CKR rv;
        try
        {
            ModuleState.Backend.DestroyObject(hSession, hObject);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, hObject={hObject}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GetObjectSize", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG* pulSize)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var size = NativeIn.Out(pulSize);
            *size = CkULong.From(backend.GetObjectSize(hSession, hObject)); // may be CK_UNAVAILABLE_INFORMATION
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, hObject={hObject}, pulSize={Boundary.Held(pulSize)}");
    }

    /// <summary>Per-attribute answers; see <see cref="AttributeWriter"/> for the rules and the code returned.</summary>
    [UnmanagedCallersOnly(EntryPoint = "C_GetAttributeValue", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE* pTemplate, CK_ULONG ulCount)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var template = TemplateReader.Entries(pTemplate, ulCount);
            var types = TemplateReader.ReadTypes(pTemplate, ulCount);
            // Types wider than 32 bits are not CKAs: the backend is asked about the rest only.
            var asked = types.Where(t => t is not null).Select(t => t!.Value).ToArray();
            var answered = backend.GetAttributeValue(hSession, hObject, asked);
            if (answered.Length != asked.Length)
                throw new Core.Errors.CkrException(CKR.CKR_GENERAL_ERROR, $"backend answered {answered.Length} of {asked.Length} attributes");
            var answers = new AttributeRead?[types.Length];
            for (int i = 0, next = 0; i < types.Length; i++)
                answers[i] = types[i] is null ? null : answered[next++];
            rv = AttributeWriter.Write(template, answers);
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, hObject={hObject}, pTemplate={Boundary.Ptr(pTemplate)}, ulCount={ulCount}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_SetAttributeValue", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE* pTemplate, CK_ULONG ulCount)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            backend.SetAttributeValue(hSession, hObject, TemplateReader.Read(pTemplate, ulCount));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, hObject={hObject}, pTemplate={Boundary.Ptr(pTemplate)}, ulCount={ulCount}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_FindObjectsInit", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE* pTemplate, CK_ULONG ulCount)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            backend.FindObjectsInit(hSession, TemplateReader.Read(pTemplate, ulCount));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pTemplate={Boundary.Ptr(pTemplate)}, ulCount={ulCount}");
    }

    /// <summary>
    /// Returns up to ulMaxObjectCount handles. Callers such as Pkcs11Interop stop at the first short
    /// answer, so the whole request is always passed on: where CK_ULONG is 64 bits the backend writes
    /// straight into the caller's array; where it is 32 bits, in chunks through a stack buffer.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "C_FindObjects", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE* phObject, CK_ULONG ulMaxObjectCount, CK_ULONG* pulObjectCount)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var count = NativeIn.Out(pulObjectCount);
            int max = NativeIn.Length(ulMaxObjectCount);
            if (max > 0 && phObject == null)
                throw new Core.Errors.CkrException(CKR.CKR_ARGUMENTS_BAD, "phObject is NULL");
            *count = CkULong.From(FindInto(backend, hSession, phObject, max));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, phObject={Boundary.Ptr(phObject)}, ulMaxObjectCount={ulMaxObjectCount}, pulObjectCount={Boundary.Held(pulObjectCount)}");
    }

    private static int FindInto(ICryptokiBackend backend, ulong session, CK_OBJECT_HANDLE* handles, int max)
    {
#if CK_WINDOWS
        Span<ulong> chunk = stackalloc ulong[64];
        int total = 0;
        while (total < max)
        {
            int wanted = Math.Min(chunk.Length, max - total);
            int found = backend.FindObjects(session, chunk[..wanted]);
            for (int i = 0; i < found; i++)
                handles[total + i] = CkULong.From(chunk[i]);
            total += found;
            if (found < wanted)
                break;
        }
        return total;
#else
        return backend.FindObjects(session, new Span<ulong>(handles, max));
#endif
    }

    [UnmanagedCallersOnly(EntryPoint = "C_FindObjectsFinal", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession)
    {
        CKR rv;
        try
        {
            ModuleState.Backend.FindObjectsFinal(hSession);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}");
    }
}
