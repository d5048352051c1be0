using System.Diagnostics;
using System.Text;
using CloudHsm.Pkcs11.Abi;
using static CloudHsm.Speed.Pkcs11Module;

namespace CloudHsm.Speed;

/// <summary>Token objects: find-objects' own (created and destroyed per run, as p11bench), stale
/// ones left by an interrupted run, and the persistent fixture of --populate.</summary>
internal sealed unsafe partial class Bench
{
    /// <summary>The label find-objects searches for (as p11bench's "p11bench-%08x-%03d").</summary>
    public string ObjectLabel(int i) => $"cloudhsm-speed-{RunId:x8}-{i:000}";

    private static string FixtureLabel(int i) => $"cloudhsm-speed-fixture-{i:000000}";

    /// <summary>Data objects with the given CKA_APPLICATION; destroys them when asked.</summary>
    private int CountTagged(byte* tag, int tagLength, bool destroy, int destroyAtMost = int.MaxValue)
    {
        CK_ATTRIBUTE* t = stackalloc CK_ATTRIBUTE[2];
        t[0] = Templates.Attr(CKA.CKA_CLASS, Templates.ClassData, sizeof(CK_ULONG));
        t[1] = Templates.Attr(CKA.CKA_APPLICATION, tag, tagLength);
        const int Batch = 256;
        CK_OBJECT_HANDLE* h = stackalloc CK_OBJECT_HANDLE[Batch];
        int total = 0, destroyed = 0;
        for (;;)
        {
            int got = 0, destroyedNow = 0;
            if (F->C_FindObjectsInit(Setup, t, 2) != CKR_OK)
                return total;
            CK_ULONG n;
            var found = new List<CK_OBJECT_HANDLE>();
            while (F->C_FindObjects(Setup, h, Batch, &n) == CKR_OK && n > 0)
            {
                for (int i = 0; i < (int)n; i++)
                    found.Add(h[i]);
                if (destroy)
                    break; // restart the search after modifying the token
            }
            F->C_FindObjectsFinal(Setup);
            foreach (CK_OBJECT_HANDLE o in found)
            {
                got++;
                if (!destroy)
                    total++;
                else if (destroyed < destroyAtMost && F->C_DestroyObject(Setup, o) == CKR_OK)
                {
                    destroyed++;
                    destroyedNow++;
                }
            }
            if (!destroy)
                return total;
            total += got;
            if (got == 0 || destroyedNow == 0 || destroyed >= destroyAtMost)
                return destroyed;
        }
    }

    /// <summary>Warns about (or, with --purge-stale, destroys) find-objects data left by a killed run.</summary>
    public void HandleStale()
    {
        int stale = CountTagged(Templates.App, Templates.AppLength, Options.PurgeStale);
        if (stale > 0 && Options.PurgeStale)
            Progress($"  purged {stale} stale cloudhsm-speed data object(s)\n");
        else if (stale > 0)
            Console.Error.WriteLine($"cloudhsm-speed: warning: token holds {stale} CKO_DATA object(s) left by an earlier " +
                                    "cloudhsm-speed run (remove with --purge-stale)");
    }

    private CK_RV CreateDataObject(string label, string value, byte* app, int appLength, CK_OBJECT_HANDLE* handle)
    {
        byte[] l = Encoding.UTF8.GetBytes(label), v = Encoding.UTF8.GetBytes(value);
        fixed (byte* pl = l, pv = v)
        {
            CK_ATTRIBUTE* t = stackalloc CK_ATTRIBUTE[6];
            t[0] = Templates.Attr(CKA.CKA_CLASS, Templates.ClassData, sizeof(CK_ULONG));
            t[1] = Templates.Attr(CKA.CKA_TOKEN, Templates.True, 1);
            t[2] = Templates.Attr(CKA.CKA_PRIVATE, Templates.False, 1);
            t[3] = Templates.Attr(CKA.CKA_LABEL, pl, l.Length);
            t[4] = Templates.Attr(CKA.CKA_APPLICATION, app, appLength);
            t[5] = Templates.Attr(CKA.CKA_VALUE, pv, v.Length);
            return F->C_CreateObject(Setup, t, 6, handle);
        }
    }

    public void CreateObjects()
    {
        long t0 = Stopwatch.GetTimestamp();
        Objects = new CK_OBJECT_HANDLE[Options.Objects];
        ObjectCount = 0;
        for (int i = 0; i < Options.Objects; i++)
        {
            if (Program.Interrupted)
            {
                ObjectsStatus = OpStatus.Skipped;
                ObjectsMessage = "interrupted";
                return;
            }
            CK_OBJECT_HANDLE h;
            CK_RV rv = CreateDataObject(ObjectLabel(i), $"cloudhsm-speed object {i}", Templates.App, Templates.AppLength, &h);
            if (rv != CKR_OK)
            {
                ObjectsStatus = StatusOf(rv);
                ObjectsMessage = $"C_CreateObject(CKO_DATA token object #{i}) returned {RvName(rv)}";
                return;
            }
            Objects[ObjectCount++] = h;
        }
        ObjectsStatus = OpStatus.Ok;
        Progress($"  created {ObjectCount} token data objects ({MsSince(t0):F1} ms)\n");
    }

    /// <summary>Destroys find-objects' token objects; returns how many could not be destroyed.</summary>
    public int DestroyObjects()
    {
        int bad = 0;
        for (int i = 0; i < ObjectCount; i++)
            if (F->C_DestroyObject(Setup, Objects[i]) != CKR_OK)
                bad++;
        if (bad > 0)
            Console.Error.WriteLine($"cloudhsm-speed: warning: {bad} of {ObjectCount} token objects could not be destroyed; " +
                                    "rerun with --purge-stale to remove them");
        ObjectCount = 0;
        return bad;
    }

    private OpStatus PrepareFind(out string message)
    {
        if (ObjectsStatus != OpStatus.Ok)
        {
            message = ObjectsMessage;
            return ObjectsStatus;
        }
        if (ObjectCount < 1)
            return Fail(out message, "no token objects were created");
        int want = Options.Objects / 2;
        byte[] label = Encoding.UTF8.GetBytes(ObjectLabel(want));
        fixed (byte* pl = label)
        {
            CK_ATTRIBUTE* t = stackalloc CK_ATTRIBUTE[2];
            t[0] = Templates.Attr(CKA.CKA_CLASS, Templates.ClassData, sizeof(CK_ULONG));
            t[1] = Templates.Attr(CKA.CKA_LABEL, pl, label.Length);
            CK_OBJECT_HANDLE* h = stackalloc CK_OBJECT_HANDLE[2];
            CK_ULONG n = 0;
            CK_RV rv = F->C_FindObjectsInit(Setup, t, 2);
            if (rv != CKR_OK)
                return Fail(out message, $"C_FindObjectsInit returned {RvName(rv)}");
            rv = F->C_FindObjects(Setup, h, 2, &n);
            F->C_FindObjectsFinal(Setup);
            if (rv != CKR_OK)
                return Fail(out message, $"C_FindObjects returned {RvName(rv)}");
            if (n != 1 || h[0] != Objects[want])
                return Fail(out message, $"search by label found {n} objects (expected exactly the one created)");
        }
        message = $"found the labelled object among {ObjectCount}";
        return OpStatus.Ok;
    }

    /// <summary>--populate N: makes the token hold exactly N fixture objects (public CKO_DATA token
    /// objects, CKA_APPLICATION "cloudhsm-speed-fixture"). They stay: the start-up measurements need a
    /// token with many objects, and making 10,000 of them takes longer than measuring.</summary>
    public int Populate(int wanted)
    {
        long t0 = Stopwatch.GetTimestamp();
        int have = CountTagged(Templates.Fixture, Templates.FixtureLength, destroy: false);
        if (have > wanted)
        {
            int gone = CountTagged(Templates.Fixture, Templates.FixtureLength, destroy: true, destroyAtMost: have - wanted);
            Progress($"  destroyed {gone} fixture object(s) ({MsSince(t0):F0} ms)\n");
            have -= gone;
        }
        int created = 0;
        for (int i = have; i < wanted; i++)
        {
            if (Program.Interrupted)
                break;
            CK_OBJECT_HANDLE h;
            CK_RV rv = CreateDataObject(FixtureLabel(i), $"cloudhsm-speed fixture {i}", Templates.Fixture, Templates.FixtureLength, &h);
            if (rv != CKR_OK)
            {
                Console.Error.WriteLine($"cloudhsm-speed: C_CreateObject(fixture #{i}) returned {RvName(rv)}");
                return 1;
            }
            created++;
            if (created % 1000 == 0)
                Progress($"  {created} of {wanted - have} fixture objects created ({MsSince(t0):F0} ms)\n");
        }
        have = CountTagged(Templates.Fixture, Templates.FixtureLength, destroy: false);
        Progress($"  token holds {have} fixture object(s); created {created} ({MsSince(t0):F0} ms)\n");
        if (Program.Interrupted)
            return 130;
        return have == wanted ? 0 : 1;
    }
}
