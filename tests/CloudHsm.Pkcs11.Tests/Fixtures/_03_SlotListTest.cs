using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_GetSlotList (spec 5.5) and the library's slot model: one slot per initialised token,
/// initialised tokens first, then always exactly one slot with an uninitialised token.</summary>
public sealed class _03_SlotListTest : Pkcs11Fixture
{
    [Test]
    public void Size_query_then_list()
    {
        ulong count = 0;
        Assert.That(Module.Low.C_GetSlotList(true, null, ref count), Is.EqualTo(CKR.CKR_OK), "C_GetSlotList(NULL, &count)");
        Assert.That(count, Is.GreaterThanOrEqualTo(2UL), "the shared token and the uninitialised slot");
        var slots = new ulong[count];
        Assert.That(Module.Low.C_GetSlotList(true, slots, ref count), Is.EqualTo(CKR.CKR_OK), "C_GetSlotList");
        Assert.That(count, Is.EqualTo((ulong)slots.Length), "count unchanged between the two calls");
        Assert.That(slots, Is.Unique, "slot IDs are unique");
    }

    [Test]
    public void Every_slot_has_a_token_present()
    {
        Assert.That(P11.SlotList(tokenPresent: false), Is.EqualTo(P11.SlotList(tokenPresent: true)),
            "tokenPresent=FALSE and TRUE list the same slots: every slot holds a token");
    }

    [Test]
    public void Initialised_tokens_come_first_then_exactly_one_uninitialised_slot()
    {
        ulong[] slots = P11.SlotList();
        bool[] initialised = slots.Select(s => Ck.Has(P11.TokenFlags(s), CKF.CKF_TOKEN_INITIALIZED)).ToArray();
        Assert.That(initialised.Count(i => !i), Is.EqualTo(1), "exactly one slot with an uninitialised token");
        Assert.That(initialised[^1], Is.False, "the uninitialised slot is listed after every initialised token");
        Assert.That(slots, Does.Contain(Module.MainSlot), "the shared test token is listed");
    }

    [Test]
    public unsafe void Too_small_buffer_returns_CKR_BUFFER_TOO_SMALL_and_the_needed_count()
    {
        ulong needed = (ulong)P11.SlotList().Length;
        ulong* buffer = stackalloc ulong[1];
        ulong count = 1;
        Assert.That(Module.Raw.C_GetSlotList(1, buffer, &count), Is.EqualTo(CKR.CKR_BUFFER_TOO_SMALL), "C_GetSlotList with room for 1 slot");
        Assert.That(count, Is.EqualTo(needed), "*pulCount is set to the number of slots");
    }

    [Test]
    public unsafe void NULL_pulCount_returns_CKR_ARGUMENTS_BAD()
    {
        ulong* buffer = stackalloc ulong[8];
        Assert.That(Module.Raw.C_GetSlotList(1, null, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_GetSlotList(NULL, NULL)");
        Assert.That(Module.Raw.C_GetSlotList(1, buffer, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_GetSlotList(buf, NULL)");
    }

    [Test]
    public void High_level_slot_list_agrees()
    {
        List<ISlot> slots = Module.Library.GetSlotList(SlotsType.WithTokenPresent);
        Assert.That(slots.Select(s => s.SlotId), Is.EqualTo(P11.SlotList()), "Pkcs11Interop GetSlotList");
    }

    [Test]
    public void Another_process_sees_the_same_tokens()
    {
        var r = NativeHelpers.RunHelper("probe", ["slots"], TimeSpan.FromMinutes(2));
        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        Assert.That(r.StdOut, Does.Contain($"label '{Settings.TokenLabel}"), "a second process lists the shared token:\n" + r.StdOut);
    }
}
