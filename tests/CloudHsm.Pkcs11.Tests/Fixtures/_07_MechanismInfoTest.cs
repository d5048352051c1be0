using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.LowLevelAPI80;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_GetMechanismInfo (spec 5.5): the info of what is listed, CKR_MECHANISM_INVALID for what is not.</summary>
public sealed class _07_MechanismInfoTest : Pkcs11Fixture
{
    public static IEnumerable<CKM> Digests => TestData.AllDigests;

    [TestCaseSource(nameof(Digests))]
    public void Digest_mechanisms_have_CKF_DIGEST(CKM mechanism)
    {
        var info = new CK_MECHANISM_INFO();
        CKR rv = Module.Low.C_GetMechanismInfo(Module.MainSlot, mechanism, ref info);
        if (rv == CKR.CKR_MECHANISM_INVALID && !TestData.RequiredDigests.Contains(mechanism))
            Assert.Ignore($"{mechanism}: CKR_MECHANISM_INVALID (not offered yet)");
        Assert.That(rv, Is.EqualTo(CKR.CKR_OK), $"C_GetMechanismInfo({mechanism})");
        Assert.That(Ck.Has(info.Flags, CKF.CKF_DIGEST), Is.True, $"{mechanism}: CKF_DIGEST (flags 0x{info.Flags:X})");
        Assert.That(info.Flags & (CKF.CKF_SIGN | CKF.CKF_ENCRYPT | CKF.CKF_GENERATE), Is.Zero, $"{mechanism} only digests");
    }

    [Test]
    public void Every_listed_mechanism_has_info_with_some_function_flag()
    {
        foreach (CKM m in _06_MechanismListTest.List(Module.MainSlot))
        {
            var info = new CK_MECHANISM_INFO();
            Assert.That(Module.Low.C_GetMechanismInfo(Module.MainSlot, m, ref info), Is.EqualTo(CKR.CKR_OK), $"C_GetMechanismInfo({m})");
            Assert.That(info.Flags & ~(ulong)CKF.CKF_HW, Is.Not.Zero, $"{m}: at least one function flag");
            if (info.MaxKeySize != 0)
                Assert.That(info.MinKeySize, Is.LessThanOrEqualTo(info.MaxKeySize), $"{m}: ulMinKeySize <= ulMaxKeySize");
        }
    }

    [Test]
    public void Unlisted_mechanism_returns_CKR_MECHANISM_INVALID()
    {
        var info = new CK_MECHANISM_INFO();
        Assert.That(Module.Low.C_GetMechanismInfo(Module.MainSlot, (CKM)(uint)Ck.UnknownMechanism, ref info),
            Is.EqualTo(CKR.CKR_MECHANISM_INVALID), "C_GetMechanismInfo(vendor-defined mechanism nobody has)");
        CKM[] listed = _06_MechanismListTest.List(Module.MainSlot);
        foreach (CKM m in new[] { CKM.CKM_MD2, CKM.CKM_SHA256, CKM.CKM_AES_CBC_PAD }.Where(m => !listed.Contains(m)))
            Assert.That(Module.Low.C_GetMechanismInfo(Module.MainSlot, m, ref info), Is.EqualTo(CKR.CKR_MECHANISM_INVALID),
                $"C_GetMechanismInfo({m}) for a mechanism the list leaves out");
    }

    [Test]
    public void Invalid_slot_returns_CKR_SLOT_ID_INVALID()
    {
        var info = new CK_MECHANISM_INFO();
        Assert.That(Module.Low.C_GetMechanismInfo(Ck.InvalidSlot, CKM.CKM_SHA256, ref info), Is.EqualTo(CKR.CKR_SLOT_ID_INVALID), "C_GetMechanismInfo(invalid slot)");
    }

    [Test]
    public unsafe void NULL_pInfo_returns_CKR_ARGUMENTS_BAD()
    {
        Assert.That(Module.Raw.C_GetMechanismInfo(Module.MainSlot, (ulong)CKM.CKM_SHA256, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_GetMechanismInfo(slot, CKM_SHA256, NULL)");
    }
}
