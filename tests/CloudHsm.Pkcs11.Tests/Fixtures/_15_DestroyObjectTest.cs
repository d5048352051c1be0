using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_DestroyObject (spec 5.7).</summary>
public sealed class _15_DestroyObjectTest : RwUserSessionFixture
{
    [Test]
    public void Destroyed_session_and_token_objects_are_gone()
    {
        foreach (bool token in new[] { false, true })
        {
            string label = P11.UniqueLabel("destroy");
            ulong h = P11.Create(Session, TestData.DataObject(label, token: token));
            Assert.That(P11.Destroy(Session, h), Is.EqualTo(CKR.CKR_OK), $"C_DestroyObject (token = {token})");
            Assert.That(P11.TryGet(Session, h, CKA.CKA_LABEL, out _), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID), "the handle is invalid afterwards");
            Assert.That(P11.Find(Session, Attr.Label(label)), Is.Empty, "and the object is not found");
            Assert.That(P11.Destroy(Session, h), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID), "C_DestroyObject twice");
        }
    }

    [Test]
    public void Object_of_another_session_of_the_application_can_be_destroyed()
    {
        ulong other = P11.OpenRw();
        ulong h = P11.Create(other, TestData.DataObject(P11.UniqueLabel("other")));
        Assert.That(P11.Destroy(Session, h), Is.EqualTo(CKR.CKR_OK), "C_DestroyObject from another session of the same application");
    }

    [Test]
    public void Not_destroyable_returns_CKR_ACTION_PROHIBITED()
    {
        ulong h = P11.Create(Session, [.. TestData.DataObject(P11.UniqueLabel("keep")), Attr.Bool(CKA.CKA_DESTROYABLE, false)]);
        Assert.That(P11.Destroy(Session, h), Is.EqualTo(CKR.CKR_ACTION_PROHIBITED), "C_DestroyObject of a CKA_DESTROYABLE = FALSE object");
        Assert.That(P11.TryGet(Session, h, CKA.CKA_LABEL, out _), Is.EqualTo(CKR.CKR_OK), "it is still there");
    }

    [Test]
    public void Token_object_in_a_RO_session_returns_CKR_SESSION_READ_ONLY()
    {
        ulong h = P11.Create(Session, TestData.DataObject(P11.UniqueLabel("ro-destroy"), token: true));
        ulong ro = P11.OpenRo();
        Assert.That(P11.Destroy(ro, h), Is.EqualTo(CKR.CKR_SESSION_READ_ONLY), "C_DestroyObject of a token object in a R/O session");
        ulong mine = P11.Create(ro, TestData.DataObject(P11.UniqueLabel("ro-session")));
        Assert.That(P11.Destroy(ro, mine), Is.EqualTo(CKR.CKR_OK), "a session object can be destroyed in a R/O session");
        P11.Ok(P11.Destroy(Session, h), "C_DestroyObject (clean-up)");
    }

    [Test]
    public void Invalid_handles_return_CKR_OBJECT_HANDLE_INVALID()
    {
        Assert.That(P11.Destroy(Session, Ck.InvalidObject), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID), "C_DestroyObject(invalid)");
        Assert.That(P11.Destroy(Session, 0), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID), "C_DestroyObject(0)");
        Assert.That(P11.Destroy(Ck.InvalidSession, 1), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_DestroyObject(invalid session)");
    }
}
