using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Embedded;

/// <summary>Who sees and changes which objects, session vs token lifetime, and persistence.</summary>
[TestFixture]
public sealed class ObjectAccessTests : EmbeddedBackendFixture
{
    [Test]
    public void PrivateObjectsAreInvisibleWithoutLogin()
    {
        ulong rw = OpenRw();
        Backend.Login(rw, CKU.CKU_USER, UserPin);
        ulong secret = Backend.CreateObject(rw, DataObject("hidden", token: true, isPrivate: true));
        Backend.CreateObject(rw, DataObject("open", token: true));
        Backend.Logout(rw);
        Assert.That(FindAll(rw, ByLabel("hidden")), Is.Empty);
        Assert.That(FindAll(rw, ByLabel("open")), Has.Length.EqualTo(1));
        Assert.That(Rv(() => Backend.GetObjectSize(rw, secret)), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID));
        Backend.Login(rw, CKU.CKU_USER, UserPin);
        var again = FindAll(rw, ByLabel("hidden"));
        Assert.That(again, Has.Length.EqualTo(1));
        Assert.That(again[0], Is.Not.EqualTo(secret), "C_Logout voids private handles for good (§5.6)");
        Assert.That(Rv(() => Backend.GetObjectSize(rw, secret)), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID));
    }

    [Test]
    public void LogoutDestroysPrivateSessionObjects()
    {
        ulong rw = OpenRw();
        Backend.Login(rw, CKU.CKU_USER, UserPin);
        Backend.CreateObject(rw, DataObject("private-session", isPrivate: true));
        Backend.CreateObject(rw, DataObject("public-session"));
        Backend.Logout(rw);
        Backend.Login(rw, CKU.CKU_USER, UserPin);
        Assert.That(FindAll(rw, ByLabel("private-session")), Is.Empty);
        Assert.That(FindAll(rw, ByLabel("public-session")), Has.Length.EqualTo(1));
    }

    [Test]
    public void ContextSpecificLoginNeedsAnOperation()
    {
        ulong rw = OpenRw();
        Backend.Login(rw, CKU.CKU_USER, UserPin);
        Assert.That(Rv(() => Backend.Login(rw, CKU.CKU_CONTEXT_SPECIFIC, UserPin)), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED));
    }

    [Test]
    public void CancelOperationEndsOnlyThatKind()
    {
        ulong rw = OpenRw();
        Backend.DigestInit(rw, new Mechanism(CKM.CKM_SHA256));
        Backend.FindObjectsInit(rw, Template.Empty);
        Backend.CancelOperation(rw, OperationKind.Digest);
        Assert.That(Rv(() => Backend.DigestUpdate(rw, "a"u8)), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED));
        Backend.FindObjectsFinal(rw);
        Backend.CancelOperation(rw, OperationKind.Digest); // nothing active: still fine
    }

    [Test]
    public void WritesFollowTheAccessTable()
    {
        ulong ro = OpenRo();
        Assert.That(Rv(() => Backend.CreateObject(ro, DataObject("t", token: true))), Is.EqualTo(CKR.CKR_SESSION_READ_ONLY));
        Assert.That(Rv(() => Backend.CreateObject(ro, DataObject("p", isPrivate: true))), Is.EqualTo(CKR.CKR_USER_NOT_LOGGED_IN));
        Assert.That(Backend.CreateObject(ro, DataObject("s")), Is.Not.Zero, "public session objects in a R/O session");
    }

    [Test]
    public void SessionObjectsVanishWithTheirSession()
    {
        ulong a = OpenRw(), b = OpenRw();
        ulong handle = Backend.CreateObject(a, DataObject("mine"));
        Assert.That(FindAll(b, ByLabel("mine")), Is.EqualTo(new[] { handle }), "visible to every session of the application");
        Backend.CloseSession(a);
        Assert.That(FindAll(b, ByLabel("mine")), Is.Empty);
    }

    [Test]
    public void TokenObjectsSurviveARestartSessionObjectsDoNot()
    {
        ulong rw = OpenRw();
        Backend.Login(rw, CKU.CKU_USER, UserPin);
        Backend.CreateObject(rw, DataObject("durable", token: true, isPrivate: true));
        Backend.CreateObject(rw, DataObject("fleeting"));
        Reopen();
        rw = OpenRw();
        Backend.Login(rw, CKU.CKU_USER, UserPin);
        Assert.That(FindAll(rw, ByLabel("durable")), Has.Length.EqualTo(1));
        Assert.That(FindAll(rw, ByLabel("fleeting")), Is.Empty);
    }

    [Test]
    public void ChangesOfAnotherBackendOnTheSameStoreAreSeen()
    {
        var other = Core.Embedded.EmbeddedBackend.Open(Config, Directory);
        try
        {
            ulong mine = OpenRw();
            ulong theirs = other.OpenSession(other.GetSlotList(true)[0], CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION);
            Assert.That(FindAll(mine, ByLabel("shared")), Is.Empty);
            other.CreateObject(theirs, DataObject("shared", token: true));
            Assert.That(FindAll(mine, ByLabel("shared")), Has.Length.EqualTo(1));
        }
        finally
        {
            other.Dispose();
        }
    }

    [Test]
    public void FindReturnsMatchesInChunksAndOneSearchAtATime()
    {
        ulong rw = OpenRw();
        for (int i = 0; i < 5; i++) Backend.CreateObject(rw, DataObject("many"));
        Backend.FindObjectsInit(rw, ByLabel("many"));
        Assert.That(Rv(() => Backend.FindObjectsInit(rw, ByLabel("many"))), Is.EqualTo(CKR.CKR_OPERATION_ACTIVE));
        var chunk = new ulong[2];
        int total = 0, n;
        while ((n = Backend.FindObjects(rw, chunk)) > 0) total += n;
        Backend.FindObjectsFinal(rw);
        Assert.That(total, Is.EqualTo(5));
        Assert.That(Rv(() => Backend.FindObjects(rw, chunk)), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED));
    }

    [Test]
    public void DigestKatsSingleAndMultiPart()
    {
        ulong rw = OpenRw();
        var output = new byte[32];
        Backend.DigestInit(rw, new Mechanism(CKM.CKM_SHA256));
        Assert.That(Backend.Digest(rw, "abc"u8, default, sizeQuery: true), Is.EqualTo(32));
        Assert.That(Rv(() => Backend.Digest(rw, "abc"u8, new byte[31], false)), Is.EqualTo(CKR.CKR_BUFFER_TOO_SMALL));
        Backend.Digest(rw, "abc"u8, output, false);
        Assert.That(Convert.ToHexStringLower(output), Is.EqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        Assert.That(Rv(() => Backend.DigestUpdate(rw, "a"u8)), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED));

        var sha224 = new byte[28];
        Backend.DigestInit(rw, new Mechanism(CKM.CKM_SHA224));
        Backend.DigestUpdate(rw, "a"u8);
        Backend.DigestUpdate(rw, "bc"u8);
        Backend.DigestFinal(rw, sha224, false);
        Assert.That(Convert.ToHexStringLower(sha224), Is.EqualTo("23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"));
    }

    [Test]
    public void MechanismsOutsideTheRegistryAreInvalid()
    {
        ulong rw = OpenRw();
        Assert.That(Rv(() => Backend.DigestInit(rw, new Mechanism(CKM.CKM_MD5))), Is.EqualTo(CKR.CKR_MECHANISM_INVALID));
        Assert.That(Backend.GetMechanismList(SlotId), Does.Contain(CKM.CKM_SHA512));
        Assert.That(Backend.GetMechanismInfo(SlotId, CKM.CKM_SHA256).Flags & CKF.CKF_DIGEST, Is.Not.Zero);
    }
}
