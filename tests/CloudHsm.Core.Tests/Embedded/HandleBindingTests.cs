using CloudHsm.Core.Tokens;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Embedded;

/// <summary>
/// A handle stays bound to its object's UID while the object is in view (so it survives reloads and logins), and no
/// longer: an object that is gone — destroyed, its session closed, destroyed by another process, private at logout —
/// must not leave its binding behind, or a process that makes and drops objects all day (a session key per request;
/// tests/scripts/stress.sh) grows without bound. The fixture's backend plays "another process" on the same token.
/// </summary>
[TestFixture]
public sealed class HandleBindingTests : EmbeddedBackendFixture
{
    private const CKS Public = CKS.CKS_RW_PUBLIC_SESSION;
    private const CKS User = CKS.CKS_RW_USER_FUNCTIONS;

    [Test]
    public void DestroyedObjects_LeaveNoBindingBehind()
    {
        using var token = ThisProcess();
        for (int i = 0; i < 50; i++)
        {
            token.DestroyObject(Public, token.CreateObject(1, Public, DataObject("session")));
            token.DestroyObject(Public, token.CreateObject(1, Public, DataObject("token", token: true)));
        }
        ulong kept = token.CreateObject(1, Public, DataObject("kept", token: true));

        Assert.That(token.BoundHandleCount, Is.EqualTo(1));
        Assert.That(token.Find(Public, ByLabel("kept")), Is.EqualTo(new[] { kept }), "a live object keeps its handle");
    }

    [Test]
    public void ObjectsOfAClosedSession_LeaveNoBindingBehind()
    {
        using var token = ThisProcess();
        for (ulong session = 1; session <= 50; session++)
        {
            token.CreateObject(session, Public, DataObject("a"));
            token.CreateObject(session, Public, DataObject("b"));
            token.DropSessionObjects(session);
        }

        Assert.That(token.BoundHandleCount, Is.Zero);
    }

    [Test]
    public void ObjectsAnotherProcessDestroyed_LeaveNoBindingBehind_AtTheNextRefresh()
    {
        using var token = ThisProcess();
        ulong other = OpenRw();
        for (int i = 0; i < 20; i++)
            Backend.CreateObject(other, DataObject("theirs", token: true));
        Assert.That(token.Find(Public, ByLabel("theirs")), Has.Length.EqualTo(20));

        foreach (ulong handle in FindAll(other, ByLabel("theirs")))
            Backend.DestroyObject(other, handle);

        Assert.That(token.Find(Public, ByLabel("theirs")), Is.Empty);
        Assert.That(token.BoundHandleCount, Is.Zero);
    }

    [Test]
    public void PrivateSessionObjects_LeaveNoBindingBehind_AtLogout()
    {
        using var token = ThisProcess();
        token.Login(CKU.CKU_USER, UserPin, readOnlySessionExists: false);
        for (int i = 0; i < 20; i++)
            token.CreateObject(1, User, DataObject("private", isPrivate: true));
        ulong kept = token.CreateObject(1, User, DataObject("public"));

        token.Logout();

        Assert.That(token.BoundHandleCount, Is.EqualTo(1), "only the public session object is still in view");
        Assert.That(token.Find(Public, ByLabel("public")), Is.EqualTo(new[] { kept }));
    }

    /// <summary>This process's view of the fixture's token (sessions are plain numbers at this level).</summary>
    private Token ThisProcess()
    {
        string serial = Backend.GetTokenInfo(SlotId).SerialNumber;
        return new Token(SlotId, Directory.Open(serial), Config);
    }
}
