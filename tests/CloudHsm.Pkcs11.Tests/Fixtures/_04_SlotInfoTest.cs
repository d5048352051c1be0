using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.LowLevelAPI80;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_GetSlotInfo (spec 5.5).</summary>
public sealed class _04_SlotInfoTest : Pkcs11Fixture
{
    private const ulong DefinedSlotFlags = CKF.CKF_TOKEN_PRESENT | CKF.CKF_REMOVABLE_DEVICE | CKF.CKF_HW_SLOT;

    [Test]
    public void Every_slot_reports_a_token_present_and_blank_padded_strings()
    {
        foreach (ulong slot in P11.SlotList())
        {
            CK_SLOT_INFO info = P11.SlotInfo(slot);
            Assert.That(Ck.Has(info.Flags, CKF.CKF_TOKEN_PRESENT), Is.True, $"slot {slot}: CKF_TOKEN_PRESENT");
            Assert.That(info.Flags & ~DefinedSlotFlags, Is.Zero, $"slot {slot}: only defined CK_SLOT_INFO flags (0x{info.Flags:X})");
            InfoAssert.BlankPadded(info.SlotDescription, 64, $"slot {slot} slotDescription");
            InfoAssert.BlankPadded(info.ManufacturerId, 32, $"slot {slot} manufacturerID");
        }
    }

    [Test]
    public void Invalid_slot_returns_CKR_SLOT_ID_INVALID()
    {
        var info = new CK_SLOT_INFO();
        Assert.That(Module.Low.C_GetSlotInfo(Ck.InvalidSlot, ref info), Is.EqualTo(CKR.CKR_SLOT_ID_INVALID), "C_GetSlotInfo(invalid slot)");
    }

    [Test]
    public unsafe void NULL_pInfo_returns_CKR_ARGUMENTS_BAD()
    {
        Assert.That(Module.Raw.C_GetSlotInfo(Module.MainSlot, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_GetSlotInfo(slot, NULL)");
    }
}
