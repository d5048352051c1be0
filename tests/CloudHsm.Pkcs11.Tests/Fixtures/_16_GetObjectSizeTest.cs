using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_GetObjectSize (spec 5.7): some measure of the object, or CKR_INFORMATION_SENSITIVE.</summary>
public sealed class _16_GetObjectSizeTest : RwUserSessionFixture
{
    [Test]
    public void Size_is_reported_and_grows_with_the_value()
    {
        ulong small = P11.Create(Session, TestData.DataObject(P11.UniqueLabel("small"), value: new byte[10]));
        ulong large = P11.Create(Session, TestData.DataObject(P11.UniqueLabel("large"), value: new byte[10_000]));
        ulong s = 0, l = 0;
        Assert.That(Module.Low.C_GetObjectSize(Session, small, ref s), Is.EqualTo(CKR.CKR_OK), "C_GetObjectSize(small)");
        Assert.That(Module.Low.C_GetObjectSize(Session, large, ref l), Is.EqualTo(CKR.CKR_OK), "C_GetObjectSize(large)");
        if (s == Ck.UnavailableInformation || l == Ck.UnavailableInformation)
            Assert.That(s, Is.EqualTo(l), "CK_UNAVAILABLE_INFORMATION for one object means for all");
        else
            Assert.That(l, Is.GreaterThan(s), "a 10,000-byte value takes more room than a 10-byte one");
    }

    [Test]
    public void Invalid_object_returns_CKR_OBJECT_HANDLE_INVALID()
    {
        ulong size = 0;
        Assert.That(Module.Low.C_GetObjectSize(Session, Ck.InvalidObject, ref size), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID), "C_GetObjectSize(invalid)");
    }

    [Test]
    public unsafe void NULL_pulSize_returns_CKR_ARGUMENTS_BAD()
    {
        ulong h = P11.Create(Session, TestData.DataObject(P11.UniqueLabel("null")));
        Assert.That(Module.Raw.C_GetObjectSize(Session, h, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_GetObjectSize(pulSize = NULL)");
    }
}
