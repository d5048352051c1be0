using System.Diagnostics;
using System.Runtime.CompilerServices;
using CloudHsm.Pkcs11.Abi;
using static CloudHsm.Speed.Pkcs11Module;

namespace CloudHsm.Speed;

/// <summary>The start-up operations, measured after every other op, with the module finalized:
/// each call initializes and finalizes the module itself, so they run on one thread.
/// <list type="bullet">
/// <item><c>initialize</c>: C_Initialize + C_Finalize, with the token's objects present.</item>
/// <item><c>initialize-find</c>: what an application does first: C_Initialize, the slot by token label
/// (C_GetSlotList + C_GetTokenInfo), C_OpenSession (R/O, public), a search by CKA_CLASS + CKA_LABEL
/// that matches nothing (so it must look at every object), C_CloseSession, C_Finalize. A module that
/// defers loading its objects past C_Initialize pays for it here.</item>
/// </list></summary>
internal static unsafe class Startup
{
    private const string NoSuchLabel = "cloudhsm-speed-no-such-object";
    private const int MaxSlots = 256;

    private static CK_ATTRIBUTE* s_findTemplate;
    private static byte* s_paddedLabel;

    public static void Run(Bench b, OpDef op, Result r)
    {
        if (s_findTemplate == null)
        {
            byte* label = NativeArena.Utf8(NoSuchLabel, out int length);
            s_findTemplate = NativeArena.Alloc<CK_ATTRIBUTE>(2);
            s_findTemplate[0] = Templates.Attr(CKA.CKA_CLASS, Templates.ClassData, sizeof(CK_ULONG));
            s_findTemplate[1] = Templates.Attr(CKA.CKA_LABEL, label, length);
            s_paddedLabel = NativeArena.Bytes(b.PaddedTokenLabel);
        }
        bool find = op.Kind == OpKind.InitializeFind;
        string? fn = null;
        string extra = "";

        // Correctness check, which is also the warm-up (one call, as for the other slow ops).
        CK_RV rv = find ? InitializeFind(ref fn, ref extra) : InitializeFinalize(ref fn);
        if (rv != CKR_OK)
        {
            r.Status = rv == CheckFailed ? OpStatus.Failed : StatusOf(rv);
            r.Message = $"{fn} returned {RvName(rv)}{(extra.Length > 0 ? $" ({extra})" : "")}";
            return;
        }
        var h = new Histogram();
        long start = Stopwatch.GetTimestamp(), t2 = start;
        long deadline = start + (long)(b.Options.Seconds * Stopwatch.Frequency);
        for (;;)
        {
            long t1 = Stopwatch.GetTimestamp();
            rv = find ? InitializeFind(ref fn, ref extra) : InitializeFinalize(ref fn);
            t2 = Stopwatch.GetTimestamp();
            if (rv != CKR_OK)
            {
                r.Status = OpStatus.Failed;
                r.Message = $"{fn} returned {RvName(rv)} after {h.Count} ops{(extra.Length > 0 ? $" ({extra})" : "")}";
                return;
            }
            h.Add(t2 - t1);
            if (t2 >= deadline || Program.Interrupted)
                break;
        }
        if (Program.Interrupted)
        {
            r.Status = OpStatus.Skipped;
            r.Message = "interrupted";
            return;
        }
        r.Status = OpStatus.Ok;
        r.SetFrom(h, start, t2, 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static CK_RV InitializeFinalize(ref string? fn)
    {
        CK_RV rv = Program.Initialize();
        if (rv != CKR_OK)
        {
            fn = "C_Initialize";
            return rv;
        }
        rv = F->C_Finalize(null);
        if (rv != CKR_OK)
            fn = "C_Finalize";
        return rv;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static CK_RV InitializeFind(ref string? fn, ref string extra)
    {
        CK_RV rv = Program.Initialize();
        if (rv != CKR_OK)
        {
            fn = "C_Initialize";
            return rv;
        }
        rv = OpenFindClose(ref fn, ref extra);
        CK_RV frv = F->C_Finalize(null);
        if (rv == CKR_OK && frv != CKR_OK)
        {
            fn = "C_Finalize";
            rv = frv;
        }
        return rv;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static CK_RV OpenFindClose(ref string? fn, ref string extra)
    {
        CK_SLOT_ID* slots = stackalloc CK_SLOT_ID[MaxSlots];
        CK_ULONG n = MaxSlots;
        CK_RV rv = F->C_GetSlotList(1, slots, &n);
        if (rv != CKR_OK)
        {
            fn = "C_GetSlotList";
            return rv;
        }
        CK_SLOT_ID slot = 0;
        bool found = false;
        CK_TOKEN_INFO ti;
        for (int i = 0; i < (int)n && !found; i++)
        {
            if (F->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
                continue;
            if (new ReadOnlySpan<byte>(ti.label, 32).SequenceEqual(new ReadOnlySpan<byte>(s_paddedLabel, 32)))
            {
                slot = slots[i];
                found = true;
            }
        }
        if (!found)
        {
            fn = "C_GetTokenInfo";
            extra = "the token was not found again by its label";
            return CheckFailed;
        }
        CK_SESSION_HANDLE s;
        if ((rv = F->C_OpenSession(slot, (CK_FLAGS)CKF.CKF_SERIAL_SESSION, null, null, &s)) != CKR_OK)
        {
            fn = "C_OpenSession";
            return rv;
        }
        CK_OBJECT_HANDLE* h = stackalloc CK_OBJECT_HANDLE[2];
        CK_ULONG count = 0;
        if ((rv = F->C_FindObjectsInit(s, s_findTemplate, 2)) != CKR_OK)
            fn = "C_FindObjectsInit";
        else
        {
            if ((rv = F->C_FindObjects(s, h, 2, &count)) != CKR_OK)
                fn = "C_FindObjects";
            CK_RV frv = F->C_FindObjectsFinal(s);
            if (rv == CKR_OK && frv != CKR_OK)
            {
                fn = "C_FindObjectsFinal";
                rv = frv;
            }
            if (rv == CKR_OK && count != 0)
            {
                fn = "C_FindObjects";
                extra = $"found {count} objects labelled {NoSuchLabel}, expected none";
                rv = CheckFailed;
            }
        }
        CK_RV crv = F->C_CloseSession(s);
        if (rv == CKR_OK && crv != CKR_OK)
        {
            fn = "C_CloseSession";
            rv = crv;
        }
        return rv;
    }
}
