using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// Who sees which object ([PKCS11-UG] access table; spec 5.6 C_CloseSession / C_Logout): session
/// objects belong to the application and vanish with their session; private objects exist only for the
/// logged-in user, and logout voids every handle to them.
/// </summary>
public sealed class _19_ObjectVisibilityTest : Pkcs11Fixture
{
    [Test]
    public void Session_object_is_visible_to_the_application_s_other_sessions_and_dies_with_its_session()
    {
        ulong a = P11.OpenRw(), b = P11.OpenRo();
        string label = P11.UniqueLabel("sess");
        ulong h = P11.Create(a, TestData.DataObject(label));
        Assert.That(P11.Find(b, Attr.Label(label)), Is.EqualTo(new[] { h }), "another session of the application finds it");
        P11.Ok(Module.Low.C_CloseSession(a), "C_CloseSession of the creating session");
        Assert.That(P11.TryGet(b, h, CKA.CKA_LABEL, out _), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID), "its handle is invalid once its session is closed");
        Assert.That(P11.Find(b, Attr.Label(label)), Is.Empty, "and it is not found");
    }

    [Test]
    public void Token_object_outlives_its_session()
    {
        ulong a = P11.OpenRw();
        string label = P11.UniqueLabel("tok");
        P11.Create(a, TestData.DataObject(label, token: true));
        P11.Ok(Module.Low.C_CloseSession(a), "C_CloseSession");
        ulong b = P11.OpenRw();
        ulong[] found = P11.Find(b, Attr.Label(label));
        Assert.That(found, Has.Length.EqualTo(1), "the token object is still there");
        P11.Ok(P11.Destroy(b, found[0]), "clean-up");
    }

    [Test]
    public void Private_objects_are_invisible_without_user_login()
    {
        ulong s = P11.OpenRw();
        P11.LoginUser(s);
        string label = P11.UniqueLabel("priv");
        ulong tokenObj = P11.Create(s, TestData.DataObject(label, token: true, priv: true));
        ulong publicObj = P11.Create(s, TestData.DataObject(label, token: true, priv: false));
        Assert.That(P11.Find(s, Attr.Label(label)), Is.EquivalentTo(new[] { tokenObj, publicObj }), "the user sees both");
        P11.Logout(s);

        Assert.That(P11.Find(s, Attr.Label(label)), Is.EqualTo(new[] { publicObj }), "a public session finds only the public object");
        Assert.That(P11.TryGet(s, tokenObj, CKA.CKA_LABEL, out _), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID), "the private handle is void after logout");

        P11.LoginSo(s);
        Assert.That(P11.Find(s, Attr.Label(label)), Is.EqualTo(new[] { publicObj }), "the SO does not see private objects either");
        P11.Logout(s);

        P11.LoginUser(s);
        Assert.That(P11.TryGet(s, tokenObj, CKA.CKA_LABEL, out _), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID),
            "handles to private objects stay invalid even after the user logs in again (spec C_Logout)");
        ulong[] again = P11.Find(s, Attr.Label(label), Attr.Private(true));
        Assert.That(again, Has.Length.EqualTo(1), "the private object is found again after login");
        P11.Ok(P11.Destroy(s, again[0]), "clean-up");
        P11.Ok(P11.Destroy(s, publicObj), "clean-up");
    }

    [Test]
    public void Logout_destroys_private_session_objects()
    {
        ulong s = P11.OpenRw();
        P11.LoginUser(s);
        string label = P11.UniqueLabel("priv-sess");
        P11.Create(s, TestData.DataObject(label, token: false, priv: true));
        P11.Logout(s);
        P11.LoginUser(s);
        Assert.That(P11.Find(s, Attr.Label(label)), Is.Empty, "private session objects are destroyed by C_Logout");
    }

    [Test]
    public void RO_user_session_can_create_private_session_objects_but_not_token_objects()
    {
        ulong ro = P11.OpenRo();
        P11.LoginUser(ro);
        Assert.That(P11.State(ro), Is.EqualTo(CKS.CKS_RO_USER_FUNCTIONS));
        Assert.That(P11.TryCreate(ro, out ulong h, TestData.DataObject(P11.UniqueLabel("ro-user"), priv: true)), Is.EqualTo(CKR.CKR_OK),
            "R/O user session: R/W access to session objects");
        Assert.That(h, Is.Not.Zero);
        Assert.That(P11.TryCreate(ro, out _, TestData.DataObject(P11.UniqueLabel("ro-user-tok"), token: true, priv: true)), Is.EqualTo(CKR.CKR_SESSION_READ_ONLY),
            "R/O user session: R/O access to token objects");
    }

    [Test]
    public void Sensitive_key_value_is_never_revealed_in_any_state()
    {
        ulong s = P11.OpenRw();
        P11.LoginUser(s);
        ulong h = P11.Create(s, TestData.AesKey(P11.UniqueLabel("sens-pub"), TestData.Random(32), sensitive: true, priv: false));
        Assert.That(P11.TryGet(s, h, CKA.CKA_VALUE, out _), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), "as user");
        P11.Logout(s);
        Assert.That(P11.TryGet(s, h, CKA.CKA_VALUE, out _), Is.EqualTo(CKR.CKR_ATTRIBUTE_SENSITIVE), "public (the key is a public object)");
    }
}
