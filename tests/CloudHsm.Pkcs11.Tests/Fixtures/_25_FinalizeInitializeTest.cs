using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.LowLevelAPI80;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_Finalize and re-initialisation (spec 5.4; kryoptic rc_re_initialize; pkcs11test initialises per test).</summary>
public sealed class _25_FinalizeInitializeTest : Pkcs11Fixture
{
    [Test]
    public void After_C_Finalize_functions_return_CKR_CRYPTOKI_NOT_INITIALIZED()
    {
        ulong s = P11.OpenRw();
        P11.Ok(Module.Low.C_Finalize(IntPtr.Zero), "C_Finalize");
        try
        {
            var info = new CK_INFO();
            ulong count = 0;
            Assert.That(Module.Low.C_GetInfo(ref info), Is.EqualTo(CKR.CKR_CRYPTOKI_NOT_INITIALIZED), "C_GetInfo");
            Assert.That(Module.Low.C_GetSlotList(true, null, ref count), Is.EqualTo(CKR.CKR_CRYPTOKI_NOT_INITIALIZED), "C_GetSlotList");
            var ti = new CK_TOKEN_INFO();
            Assert.That(Module.Low.C_GetTokenInfo(Module.MainSlot, ref ti), Is.EqualTo(CKR.CKR_CRYPTOKI_NOT_INITIALIZED), "C_GetTokenInfo");
            ulong h = 0;
            Assert.That(Module.Low.C_OpenSession(Module.MainSlot, Ck.CKF_SERIAL_SESSION, IntPtr.Zero, IntPtr.Zero, ref h), Is.EqualTo(CKR.CKR_CRYPTOKI_NOT_INITIALIZED), "C_OpenSession");
            var si = new CK_SESSION_INFO();
            Assert.That(Module.Low.C_GetSessionInfo(s, ref si), Is.EqualTo(CKR.CKR_CRYPTOKI_NOT_INITIALIZED), "C_GetSessionInfo");
            Assert.That(P11.DigestInit(s, CKM.CKM_SHA256), Is.EqualTo(CKR.CKR_CRYPTOKI_NOT_INITIALIZED), "C_DigestInit");
            Assert.That(Module.Low.C_GenerateRandom(s, new byte[4], 4), Is.EqualTo(CKR.CKR_CRYPTOKI_NOT_INITIALIZED), "C_GenerateRandom");
            Assert.That(Module.Low.C_Finalize(IntPtr.Zero), Is.EqualTo(CKR.CKR_CRYPTOKI_NOT_INITIALIZED), "C_Finalize twice");
            Assert.That(Module.Low.C_GetFunctionList(out IntPtr list), Is.EqualTo(CKR.CKR_OK), "C_GetFunctionList works before C_Initialize");
            Assert.That(list, Is.Not.EqualTo(IntPtr.Zero));
        }
        finally
        {
            Module.EnsureInitialized();
        }
        var after = new CK_SESSION_INFO();
        Assert.That(Module.Low.C_GetSessionInfo(s, ref after), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "a session from before C_Finalize stays invalid after C_Initialize");
    }

    [Test]
    public unsafe void C_Finalize_with_non_NULL_pReserved_returns_CKR_ARGUMENTS_BAD()
    {
        int dummy = 0;
        Assert.That(Module.Raw.C_Finalize(&dummy), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_Finalize(pReserved != NULL)");
        var info = new CK_INFO();
        Assert.That(Module.Low.C_GetInfo(ref info), Is.EqualTo(CKR.CKR_OK), "still initialised");
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static ulong DummyMutexFunction(IntPtr mutex) => 0;

    [Test]
    public unsafe void C_Initialize_with_only_some_mutex_functions_returns_CKR_ARGUMENTS_BAD()
    {
        P11.Ok(Module.Low.C_Finalize(IntPtr.Zero), "C_Finalize");
        try
        {
            IntPtr fn = (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, ulong>)&DummyMutexFunction;
            var args = new CK_C_INITIALIZE_ARGS { CreateMutex = fn, DestroyMutex = fn, LockMutex = fn, UnlockMutex = IntPtr.Zero, Flags = CKF.CKF_OS_LOCKING_OK };
            Assert.That(Module.Low.C_Initialize(args), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_Initialize with 3 of the 4 mutex functions");
        }
        finally
        {
            Module.EnsureInitialized();
        }
    }

    [Test]
    public void Single_threaded_C_Initialize_NULL_works_too()
    {
        P11.Ok(Module.Low.C_Finalize(IntPtr.Zero), "C_Finalize");
        try
        {
            Assert.That(Module.Low.C_Initialize(null), Is.EqualTo(CKR.CKR_OK), "C_Initialize(NULL)");
            Module.ForgetSlots();
            Assert.That(P11.SlotList(), Does.Contain(Module.MainSlot), "the token is back");
            P11.Ok(Module.Low.C_Finalize(IntPtr.Zero), "C_Finalize");
        }
        finally
        {
            Module.EnsureInitialized();
        }
    }

    [Test]
    public void Repeated_Finalize_Initialize_cycles_keep_working()
    {
        string label = P11.UniqueLabel("cycle");
        ulong previous = 0;
        for (int cycle = 0; cycle < 10; cycle++)
        {
            P11.Ok(Module.Low.C_Finalize(IntPtr.Zero), $"C_Finalize #{cycle}");
            P11.Ok(Module.Initialize(), $"C_Initialize #{cycle}");
            Module.ForgetSlots();
            ulong s = P11.OpenRw();
            if (previous != 0)
                Assert.That(P11.TryGet(s, previous, CKA.CKA_LABEL, out _), Is.AnyOf(CKR.CKR_OK, CKR.CKR_OBJECT_HANDLE_INVALID),
                    "an object handle from before C_Finalize is harmless: it works or is invalid");
            Assert.That(P11.State(s), Is.EqualTo(CKS.CKS_RW_PUBLIC_SESSION), $"cycle {cycle}: public state after C_Initialize");
            P11.LoginUser(s);
            ulong[] found = P11.Find(s, Attr.Label(label));
            Assert.That(found, Has.Length.EqualTo(cycle == 0 ? 0 : 1), $"cycle {cycle}: the token object from the previous cycle");
            foreach (ulong h in found) P11.Ok(P11.Destroy(s, h), "C_DestroyObject");
            previous = P11.Create(s, TestData.DataObject(label, token: true, priv: true));
            Assert.That(P11.Digest(s, CKM.CKM_SHA256, "abc"u8.ToArray()), Is.EqualTo(System.Security.Cryptography.SHA256.HashData("abc"u8.ToArray())), $"cycle {cycle}: digest");
        }
        ulong last = P11.OpenRw();
        Assert.That(P11.State(last), Is.EqualTo(CKS.CKS_RW_USER_FUNCTIONS), "the last cycle's login holds for a new session");
        foreach (ulong h in P11.Find(last, Attr.Label(label))) P11.Ok(P11.Destroy(last, h), "clean-up");
    }
}
