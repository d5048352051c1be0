using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_GetMechanismList (spec 5.5).</summary>
public sealed class _06_MechanismListTest : Pkcs11Fixture
{
    public static CKM[] List(ulong slot)
    {
        ulong count = 0;
        P11.Ok(Module.Low.C_GetMechanismList(slot, null, ref count), "C_GetMechanismList(NULL)");
        var list = new CKM[count];
        P11.Ok(Module.Low.C_GetMechanismList(slot, list, ref count), "C_GetMechanismList");
        return list.Take((int)count).ToArray();
    }

    [Test]
    public void Lists_the_SHA_digests_once_each()
    {
        CKM[] list = List(Module.MainSlot);
        Assert.That(list, Is.Unique, "no mechanism listed twice");
        foreach (CKM m in TestData.RequiredDigests)
            Assert.That(list, Does.Contain(m), $"{m} is listed");
    }

    [Test]
    public unsafe void Too_small_buffer_returns_CKR_BUFFER_TOO_SMALL_and_the_needed_count()
    {
        ulong needed = (ulong)List(Module.MainSlot).Length;
        ulong* buffer = stackalloc ulong[1];
        ulong count = 1;
        Assert.That(Module.Raw.C_GetMechanismList(Module.MainSlot, buffer, &count), Is.EqualTo(CKR.CKR_BUFFER_TOO_SMALL), "C_GetMechanismList with room for one");
        Assert.That(count, Is.EqualTo(needed), "*pulCount is set to the number of mechanisms");
    }

    [Test]
    public unsafe void NULL_pulCount_returns_CKR_ARGUMENTS_BAD()
    {
        Assert.That(Module.Raw.C_GetMechanismList(Module.MainSlot, null, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_GetMechanismList(slot, NULL, NULL)");
    }

    [Test]
    public void Invalid_slot_returns_CKR_SLOT_ID_INVALID()
    {
        ulong count = 0;
        Assert.That(Module.Low.C_GetMechanismList(Ck.InvalidSlot, null, ref count), Is.EqualTo(CKR.CKR_SLOT_ID_INVALID), "C_GetMechanismList(invalid slot)");
    }

    [Test]
    public void High_level_mechanism_list_agrees()
    {
        var slot = Module.Library.GetSlotList(SlotsType.WithTokenPresent).Single(s => s.SlotId == Module.MainSlot);
        Assert.That(slot.GetMechanismList(), Is.EquivalentTo(List(Module.MainSlot)), "Pkcs11Interop ISlot.GetMechanismList");
    }
}
