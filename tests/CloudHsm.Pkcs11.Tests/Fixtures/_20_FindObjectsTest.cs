using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>C_FindObjectsInit / C_FindObjects / C_FindObjectsFinal (spec 5.7).</summary>
public sealed class _20_FindObjectsTest : RwUserSessionFixture
{
    private string _tag = "";
    private ulong[] _objects = [];

    /// <summary>Seven session objects sharing CKA_APPLICATION = tag: 4 data, 2 AES keys, 1 certificate.</summary>
    [SetUp]
    public void CreateObjects()
    {
        _tag = P11.UniqueLabel("find");
        Attr app = Attr.Utf8(CKA.CKA_APPLICATION, _tag);
        var list = new List<ulong>();
        for (int i = 0; i < 4; i++)
            list.Add(P11.Create(Session, Attr.Class(CKO.CKO_DATA), Attr.Token(false), Attr.Label($"{_tag}-data-{i}"), app, Attr.Bytes(CKA.CKA_VALUE, [(byte)i])));
        for (int i = 0; i < 2; i++)
            list.Add(P11.Create(Session, TestData.AesKey($"{_tag}-key-{i}", TestData.Random(16))));
        list.Add(P11.Create(Session, TestData.X509Certificate($"{_tag}-cert")));
        _objects = list.ToArray();
    }

    [Test]
    public void Finds_by_one_and_by_several_attributes()
    {
        ulong[] data = P11.Find(Session, Attr.Utf8(CKA.CKA_APPLICATION, _tag));
        Assert.That(data, Is.EquivalentTo(_objects.Take(4)), "by CKA_APPLICATION");
        Assert.That(P11.Find(Session, Attr.Class(CKO.CKO_DATA), Attr.Label($"{_tag}-data-2")), Is.EqualTo(new[] { _objects[2] }), "by class and label");
        Assert.That(P11.Find(Session, Attr.Class(CKO.CKO_DATA), Attr.Utf8(CKA.CKA_APPLICATION, _tag), Attr.Bytes(CKA.CKA_VALUE, [3])),
            Is.EqualTo(new[] { _objects[3] }), "by value");
        Assert.That(P11.Find(Session, Attr.Class(CKO.CKO_SECRET_KEY), Attr.KeyType(CKK.CKK_AES), Attr.Label($"{_tag}-key-1")),
            Is.EqualTo(new[] { _objects[5] }), "by class, key type and label");
        Assert.That(P11.Find(Session, Attr.Class(CKO.CKO_CERTIFICATE), Attr.Label($"{_tag}-cert")), Is.EqualTo(new[] { _objects[6] }), "certificate");
    }

    [Test]
    public void Attribute_mismatch_or_absence_matches_nothing()
    {
        Assert.That(P11.Find(Session, Attr.Label($"{_tag}-none")), Is.Empty, "no such label");
        Assert.That(P11.Find(Session, Attr.Utf8(CKA.CKA_APPLICATION, _tag), Attr.Class(CKO.CKO_SECRET_KEY)), Is.Empty, "data objects are not secret keys");
        Assert.That(P11.Find(Session, Attr.Label($"{_tag}-key-0"), Attr.Bytes(CKA.CKA_MODULUS, [1])), Is.Empty, "an attribute the object does not have");
    }

    [Test]
    public void Empty_template_finds_every_visible_object()
    {
        Assert.That(P11.Find(Session), Is.SupersetOf(_objects), "C_FindObjectsInit(NULL, 0) matches everything");
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(7)]
    [TestCase(100)]
    public void Small_max_count_in_a_loop_returns_each_object_once(int batch)
    {
        Assert.That(P11.TryFind(Session, out ulong[] found, batch, Attr.Label($"{_tag}-data-0")), Is.EqualTo(CKR.CKR_OK));
        using var t = new NativeTemplate([Attr.Utf8(CKA.CKA_APPLICATION, _tag)]);
        P11.Ok(Module.Low.C_FindObjectsInit(Session, t.Attributes, t.Count), "C_FindObjectsInit");
        var all = new List<ulong>();
        var buffer = new ulong[batch];
        int calls = 0;
        while (true)
        {
            ulong count = 0;
            P11.Ok(Module.Low.C_FindObjects(Session, buffer, (ulong)batch, ref count), "C_FindObjects");
            Assert.That(count, Is.LessThanOrEqualTo((ulong)batch), "never more than ulMaxObjectCount");
            if (count == 0) break;
            all.AddRange(buffer.Take((int)count));
            Assert.That(++calls, Is.LessThan(100), "the search ends");
        }
        P11.Ok(Module.Low.C_FindObjectsFinal(Session), "C_FindObjectsFinal");
        Assert.That(all, Is.Unique, "no object twice");
        Assert.That(all, Is.EquivalentTo(_objects.Take(4)), $"all 4 data objects, {batch} at a time");
        Assert.That(found, Has.Length.EqualTo(1));
    }

    [Test]
    public void Second_C_FindObjectsInit_returns_CKR_OPERATION_ACTIVE()
    {
        P11.Ok(Module.Low.C_FindObjectsInit(Session, null, 0), "C_FindObjectsInit");
        Assert.That(Module.Low.C_FindObjectsInit(Session, null, 0), Is.EqualTo(CKR.CKR_OPERATION_ACTIVE), "C_FindObjectsInit while a search is active");
        P11.Ok(Module.Low.C_FindObjectsFinal(Session), "C_FindObjectsFinal");
        Assert.That(Module.Low.C_FindObjectsInit(Session, null, 0), Is.EqualTo(CKR.CKR_OK), "a new search after C_FindObjectsFinal");
        P11.Ok(Module.Low.C_FindObjectsFinal(Session), "C_FindObjectsFinal");
    }

    [Test]
    public void Searches_in_different_sessions_are_independent()
    {
        ulong other = P11.OpenRw();
        P11.Ok(Module.Low.C_FindObjectsInit(Session, null, 0), "C_FindObjectsInit in session 1");
        Assert.That(Module.Low.C_FindObjectsInit(other, null, 0), Is.EqualTo(CKR.CKR_OK), "C_FindObjectsInit in session 2 while session 1 searches");
        P11.Ok(Module.Low.C_FindObjectsFinal(Session), "final 1");
        P11.Ok(Module.Low.C_FindObjectsFinal(other), "final 2");
    }

    [Test]
    public void Without_init_returns_CKR_OPERATION_NOT_INITIALIZED()
    {
        var buffer = new ulong[4];
        ulong count = 0;
        Assert.That(Module.Low.C_FindObjects(Session, buffer, 4, ref count), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "C_FindObjects without C_FindObjectsInit");
        Assert.That(Module.Low.C_FindObjectsFinal(Session), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "C_FindObjectsFinal without C_FindObjectsInit");
        P11.Ok(Module.Low.C_FindObjectsInit(Session, null, 0), "C_FindObjectsInit");
        P11.Ok(Module.Low.C_FindObjectsFinal(Session), "C_FindObjectsFinal");
        Assert.That(Module.Low.C_FindObjects(Session, buffer, 4, ref count), Is.EqualTo(CKR.CKR_OPERATION_NOT_INITIALIZED), "C_FindObjects after C_FindObjectsFinal");
    }

    [Test]
    public void Private_objects_are_found_only_when_logged_in()
    {
        string label = P11.UniqueLabel("find-priv");
        ulong h = P11.Create(Session, TestData.DataObject(label, token: true, priv: true));
        Assert.That(P11.Find(Session, Attr.Label(label)), Is.EqualTo(new[] { h }), "found while logged in");
        ulong pub = P11.OpenRo();
        P11.Logout(Session);
        Assert.That(P11.Find(pub, Attr.Label(label)), Is.Empty, "not found in a public session");
        P11.LoginUser(Session);
        ulong[] again = P11.Find(Session, Attr.Label(label));
        Assert.That(again, Has.Length.EqualTo(1), "found again after login");
        P11.Ok(P11.Destroy(Session, again[0]), "clean-up");
    }

    [Test]
    public unsafe void NULL_arguments_return_CKR_ARGUMENTS_BAD()
    {
        Assert.That(Module.Raw.C_FindObjectsInit(Session, null, 2), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_FindObjectsInit(pTemplate = NULL, ulCount = 2)");
        P11.Ok(Module.Low.C_FindObjectsInit(Session, null, 0), "C_FindObjectsInit(NULL, 0)");
        ulong handles = 0, count = 0;
        Assert.That(Module.Raw.C_FindObjects(Session, null, 4, &count), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_FindObjects(phObject = NULL)");
        Assert.That(Module.Raw.C_FindObjects(Session, &handles, 1, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_FindObjects(pulObjectCount = NULL)");
        Module.Low.C_FindObjectsFinal(Session);
    }

    [Test]
    public void Invalid_session_returns_CKR_SESSION_HANDLE_INVALID()
    {
        Assert.That(Module.Low.C_FindObjectsInit(Ck.InvalidSession, null, 0), Is.EqualTo(CKR.CKR_SESSION_HANDLE_INVALID), "C_FindObjectsInit(invalid session)");
    }
}
