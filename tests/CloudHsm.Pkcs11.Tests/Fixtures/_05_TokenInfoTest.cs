using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.LowLevelAPI80;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_GetTokenInfo (spec 5.5, CK_TOKEN_INFO 3.2).</summary>
public sealed class _05_TokenInfoTest : Pkcs11Fixture
{
    [Test]
    public void Shared_token_is_initialised_with_its_label_and_user_PIN()
    {
        CK_TOKEN_INFO info = P11.TokenInfo(Module.MainSlot);
        string flags = Names.TokenFlags(info.Flags);
        Assert.That(info.Label, Is.EqualTo(P11.Label32(Settings.TokenLabel)), "label exactly as given to C_InitToken, blank-padded");
        Assert.That(Ck.Has(info.Flags, CKF.CKF_TOKEN_INITIALIZED), Is.True, "CKF_TOKEN_INITIALIZED in " + flags);
        Assert.That(Ck.Has(info.Flags, CKF.CKF_USER_PIN_INITIALIZED), Is.True, "CKF_USER_PIN_INITIALIZED in " + flags);
        Assert.That(Ck.Has(info.Flags, CKF.CKF_LOGIN_REQUIRED), Is.True, "CKF_LOGIN_REQUIRED in " + flags);
        Assert.That(Ck.Has(info.Flags, CKF.CKF_RNG), Is.True, "CKF_RNG (the token has a random number generator) in " + flags);
        Assert.That(Ck.Has(info.Flags, CKF.CKF_WRITE_PROTECTED), Is.False, "not CKF_WRITE_PROTECTED: " + flags);
        uint lockout = CKF.CKF_USER_PIN_COUNT_LOW | CKF.CKF_USER_PIN_FINAL_TRY | CKF.CKF_USER_PIN_LOCKED
                       | CKF.CKF_SO_PIN_COUNT_LOW | CKF.CKF_SO_PIN_FINAL_TRY | CKF.CKF_SO_PIN_LOCKED;
        Assert.That(info.Flags & lockout, Is.Zero, "no PIN failure flags on a token nobody mistyped a PIN for: " + flags);
    }

    [Test]
    public void Strings_are_blank_padded()
    {
        CK_TOKEN_INFO info = P11.TokenInfo(Module.MainSlot);
        InfoAssert.BlankPadded(info.Label, 32, "label");
        InfoAssert.BlankPadded(info.ManufacturerId, 32, "manufacturerID");
        InfoAssert.BlankPadded(info.Model, 16, "model");
        InfoAssert.BlankPadded(info.SerialNumber, 16, "serialNumber");
        Assert.That(info.UtcTime, Has.Length.EqualTo(16), "utcTime is 16 bytes");
        if (Ck.Has(info.Flags, CKF.CKF_CLOCK_ON_TOKEN))
            Assert.That(System.Text.Encoding.ASCII.GetString(info.UtcTime), Does.Match("^[0-9]{14}00$"), "utcTime YYYYMMDDhhmmss00");
    }

    [Test]
    public void PIN_length_limits_are_the_library_s()
    {
        CK_TOKEN_INFO info = P11.TokenInfo(Module.MainSlot);
        Assert.That(info.MinPinLen, Is.EqualTo((ulong)Settings.MinPinLength), "ulMinPinLen");
        Assert.That(info.MaxPinLen, Is.GreaterThanOrEqualTo(info.MinPinLen), "ulMaxPinLen >= ulMinPinLen");
    }

    [Test]
    public void Counts_are_exact_or_unavailable()
    {
        ulong ro = P11.OpenRo();
        ulong rw = P11.OpenRw();
        CK_TOKEN_INFO info = P11.TokenInfo(Module.MainSlot);
        if (info.SessionCount != Ck.UnavailableInformation)
            Assert.That(info.SessionCount, Is.EqualTo(2UL), "ulSessionCount: this application's two open sessions");
        if (info.RwSessionCount != Ck.UnavailableInformation)
            Assert.That(info.RwSessionCount, Is.EqualTo(1UL), "ulRwSessionCount: one R/W session");
        if (info.TotalPublicMemory != Ck.UnavailableInformation && info.FreePublicMemory != Ck.UnavailableInformation)
            Assert.That(info.FreePublicMemory, Is.LessThanOrEqualTo(info.TotalPublicMemory), "free <= total public memory");
        if (info.TotalPrivateMemory != Ck.UnavailableInformation && info.FreePrivateMemory != Ck.UnavailableInformation)
            Assert.That(info.FreePrivateMemory, Is.LessThanOrEqualTo(info.TotalPrivateMemory), "free <= total private memory");
        Assert.That(ro, Is.Not.EqualTo(rw));
    }

    [Test]
    public void Uninitialised_slot_token_reports_no_initialisation()
    {
        CK_TOKEN_INFO info = P11.TokenInfo(Tokens.UninitializedSlot());
        Assert.That(Ck.Has(info.Flags, CKF.CKF_TOKEN_INITIALIZED), Is.False, "CKF_TOKEN_INITIALIZED clear: " + Names.TokenFlags(info.Flags));
        Assert.That(Ck.Has(info.Flags, CKF.CKF_USER_PIN_INITIALIZED), Is.False, "CKF_USER_PIN_INITIALIZED clear: " + Names.TokenFlags(info.Flags));
        InfoAssert.BlankPadded(info.Label, 32, "uninitialised token's label", mayBeEmpty: true);
    }

    [Test]
    public void Invalid_slot_returns_CKR_SLOT_ID_INVALID()
    {
        var info = new CK_TOKEN_INFO();
        Assert.That(Module.Low.C_GetTokenInfo(Ck.InvalidSlot, ref info), Is.EqualTo(CKR.CKR_SLOT_ID_INVALID), "C_GetTokenInfo(invalid slot)");
    }

    [Test]
    public unsafe void NULL_pInfo_returns_CKR_ARGUMENTS_BAD()
    {
        Assert.That(Module.Raw.C_GetTokenInfo(Module.MainSlot, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_GetTokenInfo(slot, NULL)");
    }
}
