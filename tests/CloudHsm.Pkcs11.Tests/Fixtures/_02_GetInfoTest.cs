using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.LowLevelAPI80;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_GetInfo (spec 5.4).</summary>
public sealed class _02_GetInfoTest : Pkcs11Fixture
{
    [Test]
    public void C_GetInfo_reports_Cryptoki_2_40_blank_padded_strings_and_zero_flags()
    {
        var info = new CK_INFO();
        Assert.That(Module.Low.C_GetInfo(ref info), Is.EqualTo(CKR.CKR_OK), "C_GetInfo");
        Assert.That((info.CryptokiVersion.Major[0], info.CryptokiVersion.Minor[0]), Is.EqualTo(((byte)2, (byte)40)), "cryptokiVersion");
        InfoAssert.BlankPadded(info.ManufacturerId, 32, "CK_INFO.manufacturerID");
        InfoAssert.BlankPadded(info.LibraryDescription, 32, "CK_INFO.libraryDescription");
        Assert.That(info.Flags, Is.Zero, "CK_INFO.flags: bits reserved for future versions MUST be zero");
    }

    [Test]
    public void High_level_GetInfo_agrees()
    {
        var info = Module.Library.GetInfo();
        Assert.That(info.CryptokiVersion, Is.EqualTo("2.40"), "Pkcs11Interop ILibraryInfo.CryptokiVersion");
        Assert.That(info.ManufacturerId, Is.Not.Empty);
    }

    [Test]
    public unsafe void C_GetInfo_with_NULL_returns_CKR_ARGUMENTS_BAD()
    {
        Assert.That(Module.Raw.C_GetInfo(null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_GetInfo(NULL)");
    }
}
