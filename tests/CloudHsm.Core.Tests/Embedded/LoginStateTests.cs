using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Embedded;

/// <summary>The session-state machine of PKCS#11 §5.6 and the PIN lockout counters.</summary>
[TestFixture]
public sealed class LoginStateTests : EmbeddedBackendFixture
{
    [Test]
    public void SessionStatesFollowLoginAndReadWriteFlag()
    {
        ulong ro = OpenRo(), rw = OpenRw();
        Assert.That(Backend.GetSessionInfo(ro).State, Is.EqualTo(CKS.CKS_RO_PUBLIC_SESSION));
        Assert.That(Backend.GetSessionInfo(rw).State, Is.EqualTo(CKS.CKS_RW_PUBLIC_SESSION));
        Backend.Login(ro, CKU.CKU_USER, UserPin);
        Assert.That(Backend.GetSessionInfo(ro).State, Is.EqualTo(CKS.CKS_RO_USER_FUNCTIONS));
        Assert.That(Backend.GetSessionInfo(rw).State, Is.EqualTo(CKS.CKS_RW_USER_FUNCTIONS), "login is per token and application");
        Backend.Logout(rw);
        Assert.That(Backend.GetSessionInfo(ro).State, Is.EqualTo(CKS.CKS_RO_PUBLIC_SESSION));
    }

    [Test]
    public void SoLoginRefusedWhileReadOnlySessionExists()
    {
        ulong rw = OpenRw();
        OpenRo();
        Assert.That(Rv(() => Backend.Login(rw, CKU.CKU_SO, SoPin)), Is.EqualTo(CKR.CKR_SESSION_READ_ONLY_EXISTS));
    }

    [Test]
    public void ReadOnlySessionRefusedWhileSoLoggedIn()
    {
        ulong rw = OpenRw();
        Backend.Login(rw, CKU.CKU_SO, SoPin);
        Assert.That(Backend.GetSessionInfo(rw).State, Is.EqualTo(CKS.CKS_RW_SO_FUNCTIONS));
        Assert.That(Rv(() => OpenRo()), Is.EqualTo(CKR.CKR_SESSION_READ_WRITE_SO_EXISTS));
    }

    [Test]
    public void DoubleAndCrossedLoginsHaveTheirCodes()
    {
        ulong rw = OpenRw();
        Backend.Login(rw, CKU.CKU_USER, UserPin);
        Assert.That(Rv(() => Backend.Login(rw, CKU.CKU_USER, UserPin)), Is.EqualTo(CKR.CKR_USER_ALREADY_LOGGED_IN));
        Assert.That(Rv(() => Backend.Login(rw, CKU.CKU_SO, SoPin)), Is.EqualTo(CKR.CKR_USER_ANOTHER_ALREADY_LOGGED_IN));
        Backend.Logout(rw);
        Assert.That(Rv(() => Backend.Logout(rw)), Is.EqualTo(CKR.CKR_USER_NOT_LOGGED_IN));
        Assert.That(Rv(() => Backend.Login(rw, (CKU)7, UserPin)), Is.EqualTo(CKR.CKR_USER_TYPE_INVALID));
    }

    [Test]
    public void ClosingTheLastSessionLogsOut()
    {
        ulong rw = OpenRw();
        Backend.Login(rw, CKU.CKU_USER, UserPin);
        Backend.CloseSession(rw);
        ulong again = OpenRw();
        Assert.That(Backend.GetSessionInfo(again).State, Is.EqualTo(CKS.CKS_RW_PUBLIC_SESSION));
    }

    [Test]
    public void WrongPinsRaiseCountFlagsThenLock()
    {
        ulong rw = OpenRw();
        Assert.That(Rv(() => Backend.Login(rw, CKU.CKU_USER, "wrong-pin"u8.ToArray())), Is.EqualTo(CKR.CKR_PIN_INCORRECT));
        ulong flags = Backend.GetTokenInfo(SlotId).Flags;
        Assert.That(flags & CKF.CKF_USER_PIN_COUNT_LOW, Is.Not.Zero);
        Assert.That(flags & CKF.CKF_USER_PIN_FINAL_TRY, Is.Zero);
        Rv(() => Backend.Login(rw, CKU.CKU_USER, "wrong-pin"u8.ToArray()));
        Assert.That(Backend.GetTokenInfo(SlotId).Flags & CKF.CKF_USER_PIN_FINAL_TRY, Is.Not.Zero, "one try left of 3");
        Rv(() => Backend.Login(rw, CKU.CKU_USER, "wrong-pin"u8.ToArray()));
        Assert.That(Backend.GetTokenInfo(SlotId).Flags & CKF.CKF_USER_PIN_LOCKED, Is.Not.Zero);
        Assert.That(Rv(() => Backend.Login(rw, CKU.CKU_USER, UserPin)), Is.EqualTo(CKR.CKR_PIN_LOCKED), "even the right PIN");

        Backend.Login(rw, CKU.CKU_SO, SoPin);
        Backend.InitPin(rw, UserPin);
        Backend.Logout(rw);
        Assert.That(Backend.GetTokenInfo(SlotId).Flags & CKF.CKF_USER_PIN_LOCKED, Is.Zero, "C_InitPIN unlocks");
        Backend.Login(rw, CKU.CKU_USER, UserPin);
    }

    [Test]
    public void SuccessfulLoginResetsTheCounter()
    {
        ulong rw = OpenRw();
        Rv(() => Backend.Login(rw, CKU.CKU_USER, "wrong-pin"u8.ToArray()));
        Backend.Login(rw, CKU.CKU_USER, UserPin);
        Assert.That(Backend.GetTokenInfo(SlotId).Flags & CKF.CKF_USER_PIN_COUNT_LOW, Is.Zero);
    }

    [Test]
    public void SetPinChangesTheUserPinAndKeepsTheKeys()
    {
        ulong rw = OpenRw();
        Backend.Login(rw, CKU.CKU_USER, UserPin);
        ulong handle = Backend.CreateObject(rw, DataObject("kept", token: true, isPrivate: true));
        Backend.SetPin(rw, UserPin, "new-user-pin"u8);
        Backend.Logout(rw);
        Assert.That(Rv(() => Backend.Login(rw, CKU.CKU_USER, UserPin)), Is.EqualTo(CKR.CKR_PIN_INCORRECT));
        Backend.Login(rw, CKU.CKU_USER, "new-user-pin"u8);
        Assert.That(FindAll(rw, ByLabel("kept")), Has.Length.EqualTo(1));
        Assert.That(handle, Is.Not.Zero);
    }

    [Test]
    public void InitPinNeedsTheSo()
    {
        ulong rw = OpenRw();
        Assert.That(Rv(() => Backend.InitPin(rw, UserPin)), Is.EqualTo(CKR.CKR_USER_NOT_LOGGED_IN));
        ulong ro = OpenRo();
        Assert.That(Rv(() => Backend.InitPin(ro, UserPin)), Is.EqualTo(CKR.CKR_SESSION_READ_ONLY));
        Backend.CloseSession(ro);
        Backend.Login(rw, CKU.CKU_SO, SoPin);
        Backend.InitPin(rw, "another-user-pin"u8);
        Backend.Logout(rw);
        Backend.Login(rw, CKU.CKU_USER, "another-user-pin"u8);
        Assert.That(Backend.GetSessionInfo(rw).State, Is.EqualTo(CKS.CKS_RW_USER_FUNCTIONS));
    }

    [Test]
    public void PinLengthOutsideTheRangeIsRefused()
    {
        ulong rw = OpenRw();
        Backend.Login(rw, CKU.CKU_SO, SoPin);
        Assert.That(Rv(() => Backend.InitPin(rw, "abc"u8)), Is.EqualTo(CKR.CKR_PIN_LEN_RANGE));
    }

    [Test]
    public void InitTokenRefusedWhileSessionsAreOpen()
    {
        OpenRw();
        Assert.That(Rv(() => Backend.InitToken(SlotId, SoPin, Label("again"))), Is.EqualTo(CKR.CKR_SESSION_EXISTS));
    }
}
