using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Embedded;
using CloudHsm.Core.Storage;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Embedded;

/// <summary>
/// Searches by CKA_CLASS, CKA_LABEL and CKA_ID go through the token's index; these pin that it follows every
/// way an object enters, changes in or leaves the view, and that the incremental reload of another process's
/// changes reads only what changed.
/// </summary>
public sealed class ObjectIndexTests : EmbeddedBackendFixture
{
    private static Template ByClassAndLabel(string label) => new(
    [
        TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_DATA),
        TemplateAttribute.Utf8(CKA.CKA_LABEL, label),
    ]);

    private static Template ById(byte[] id) => new([new TemplateAttribute(CKA.CKA_ID, id)]);

    private static Template DataObjectWithId(string label, byte[] id, bool token = true) =>
        new([.. DataObject(label, token), new TemplateAttribute(CKA.CKA_APPLICATION, id)]);

    private static Template SecretKey(string label, byte[] id) => new(
    [
        TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY),
        TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)CKK.CKK_AES),
        TemplateAttribute.Bool(CKA.CKA_TOKEN, true),
        TemplateAttribute.Utf8(CKA.CKA_LABEL, label),
        new TemplateAttribute(CKA.CKA_ID, id),
        new TemplateAttribute(CKA.CKA_VALUE, new byte[32]),
    ]);

    [Test]
    public void Find_AfterSetAttributeValueRelabels_FindsTheNewLabelOnly()
    {
        ulong s = OpenRw();
        ulong h = Backend.CreateObject(s, DataObject("before", token: true));

        Backend.SetAttributeValue(s, h, new Template([TemplateAttribute.Utf8(CKA.CKA_LABEL, "after")]));

        Assert.That(FindAll(s, ByClassAndLabel("before")), Is.Empty);
        Assert.That(FindAll(s, ByClassAndLabel("after")), Is.EqualTo(new[] { h }));
        Assert.That(FindAll(s, ByLabel("after")), Is.EqualTo(new[] { h }));
    }

    [Test]
    public void Find_ById_AfterTheIdChanges()
    {
        ulong s = OpenRw();
        Backend.Login(s, CKU.CKU_USER, UserPin);
        ulong key = Backend.CreateObject(s, SecretKey("key", [1, 2]));

        Assert.That(FindAll(s, ById([1, 2])), Is.EqualTo(new[] { key }));
        Backend.SetAttributeValue(s, key, ById([3]));

        Assert.That(FindAll(s, ById([1, 2])), Is.Empty);
        Assert.That(FindAll(s, ById([3])), Is.EqualTo(new[] { key }));
    }

    [Test]
    public void Find_AfterDestroy_FindsNothing()
    {
        ulong s = OpenRw();
        ulong token = Backend.CreateObject(s, DataObject("gone", token: true));
        ulong session = Backend.CreateObject(s, DataObject("gone"));
        Assert.That(FindAll(s, ByClassAndLabel("gone")), Is.EqualTo(new[] { token, session }));

        Backend.DestroyObject(s, token);
        Assert.That(FindAll(s, ByClassAndLabel("gone")), Is.EqualTo(new[] { session }));
        Backend.DestroyObject(s, session);

        Assert.That(FindAll(s, ByClassAndLabel("gone")), Is.Empty);
    }

    [Test]
    public void Find_AfterLogout_HidesPrivateObjects_AndALaterLoginShowsThemUnderNewHandles()
    {
        ulong s = OpenRw();
        Backend.Login(s, CKU.CKU_USER, UserPin);
        ulong privateToken = Backend.CreateObject(s, DataObject("mixed", token: true, isPrivate: true));
        ulong publicToken = Backend.CreateObject(s, DataObject("mixed", token: true));
        ulong privateSession = Backend.CreateObject(s, DataObject("mixed", isPrivate: true));
        Assert.That(FindAll(s, ByClassAndLabel("mixed")), Is.EqualTo(new[] { privateToken, publicToken, privateSession }));

        Backend.Logout(s);
        Assert.That(FindAll(s, ByClassAndLabel("mixed")), Is.EqualTo(new[] { publicToken }));

        Backend.Login(s, CKU.CKU_USER, UserPin);
        var found = FindAll(s, ByClassAndLabel("mixed"));
        Assert.That(found, Has.Length.EqualTo(2), "the private session object is gone for good");
        Assert.That(found, Does.Contain(publicToken));
        Assert.That(found, Does.Not.Contain(privateToken), "handles to private objects do not survive a logout");
    }

    [Test]
    public void Find_SessionObjects_AreIndexed_AndLeaveWithTheirSession()
    {
        ulong s1 = OpenRw();
        ulong s2 = OpenRo();
        ulong mine = Backend.CreateObject(s1, DataObject("session"));

        Assert.That(FindAll(s2, ByClassAndLabel("session")), Is.EqualTo(new[] { mine }), "session objects are the application's");
        Backend.CloseSession(s1);

        Assert.That(FindAll(s2, ByClassAndLabel("session")), Is.Empty);
    }

    [Test]
    public void Find_AnotherProcessCreatesRelabelsAndDestroys_IsSeenAtTheNextSearch()
    {
        ulong s = OpenRo();
        Assert.That(FindAll(s, ByClassAndLabel("theirs")), Is.Empty);
        using var other = EmbeddedBackend.Open(Config, Directory);
        ulong o = other.OpenSession(other.GetSlotList(true)[0], CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION);

        ulong theirs = other.CreateObject(o, DataObject("theirs", token: true));
        var seen = FindAll(s, ByClassAndLabel("theirs"));
        Assert.That(seen, Has.Length.EqualTo(1));

        other.SetAttributeValue(o, theirs, new Template([TemplateAttribute.Utf8(CKA.CKA_LABEL, "relabelled")]));
        Assert.That(FindAll(s, ByClassAndLabel("theirs")), Is.Empty);
        Assert.That(FindAll(s, ByClassAndLabel("relabelled")), Is.EqualTo(seen), "the object keeps its handle");

        other.DestroyObject(o, theirs);
        Assert.That(FindAll(s, ByClassAndLabel("relabelled")), Is.Empty);
        Assert.That(Rv(() => Backend.GetObjectSize(s, seen[0])), Is.EqualTo(CKR.CKR_OBJECT_HANDLE_INVALID));
    }

    [Test]
    public void Find_WithAndWithoutAnIndexedAttribute_AgreeWithAScan()
    {
        ulong s = OpenRw();
        Backend.Login(s, CKU.CKU_USER, UserPin);
        var handles = new List<ulong>();
        for (int i = 0; i < 12; i++)
            handles.Add(Backend.CreateObject(s, DataObjectWithId($"obj {i % 3}", [(byte)(i % 2)], token: i % 4 != 0)));
        ulong key = Backend.CreateObject(s, SecretKey("obj 0", [0]));
        var unlabelled = Backend.CreateObject(s, new Template([TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_DATA)]));

        Assert.That(FindAll(s, ByClassAndLabel("obj 0")), Is.EqualTo(new[] { handles[0], handles[3], handles[6], handles[9] }));
        Assert.That(FindAll(s, ByLabel("obj 0")), Is.EqualTo(new[] { handles[0], handles[3], handles[6], handles[9], key }));
        Assert.That(FindAll(s, ById([0])), Is.EqualTo(new[] { key }), "data objects have no CKA_ID");
        Assert.That(FindAll(s, ByLabel("")), Is.EqualTo(new[] { unlabelled }), "an absent label reads as empty");
        Assert.That(FindAll(s, ByLabel("nobody")), Is.Empty);
        var byClassAndObjectId = new Template([
            TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_DATA), new TemplateAttribute(CKA.CKA_APPLICATION, [1])]);
        Assert.That(FindAll(s, byClassAndObjectId), Is.EqualTo(handles.Where((_, i) => i % 2 == 1)));
        var byObjectIdOnly = new Template([new TemplateAttribute(CKA.CKA_APPLICATION, [1])]);
        Assert.That(FindAll(s, byObjectIdOnly), Is.EqualTo(handles.Where((_, i) => i % 2 == 1)), "no indexed attribute: the scan");
        var contradiction = new Template([TemplateAttribute.Utf8(CKA.CKA_LABEL, "obj 0"), TemplateAttribute.Utf8(CKA.CKA_LABEL, "obj 1")]);
        Assert.That(FindAll(s, contradiction), Is.Empty);
    }

    [Test]
    public void AnotherProcessChangesOneObject_OnlyThatObjectIsRead()
    {
        var counting = new CountingDirectory(Directory);
        Backend.Dispose();
        ReplaceBackend(EmbeddedBackend.Open(Config, counting));
        ulong s = OpenRw();
        for (int i = 0; i < 20; i++) Backend.CreateObject(s, DataObject($"many {i}", token: true));
        using var other = EmbeddedBackend.Open(Config, Directory);
        ulong o = other.OpenSession(other.GetSlotList(true)[0], CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION);
        FindAll(s, ByLabel("many 0"));

        counting.RecordsRead = 0;
        other.CreateObject(o, DataObject("one more", token: true));
        Assert.That(FindAll(s, ByLabel("one more")), Has.Length.EqualTo(1));
        Assert.That(counting.RecordsRead, Is.EqualTo(1));

        other.FindObjectsInit(o, ByLabel("many 3"));
        var found = new ulong[1];
        Assert.That(other.FindObjects(o, found), Is.EqualTo(1));
        other.FindObjectsFinal(o);
        other.DestroyObject(o, found[0]);
        counting.RecordsRead = 0;
        Assert.That(FindAll(s, ByLabel("many 3")), Is.Empty);
        Assert.That(FindAll(s, new Template([TemplateAttribute.Bool(CKA.CKA_TOKEN, true)])), Has.Length.EqualTo(20));
        Assert.That(counting.RecordsRead, Is.Zero, "a removal is learnt without reading any object");
    }

    [Test]
    public void AnotherProcessFallsFarBehind_TheSnapshotStillDropsWhatWasRemoved()
    {
        var tokens = new InMemoryTokenDirectory(keptChanges: 2);
        using var mine = EmbeddedBackend.Open(Config, tokens);
        ulong slot = mine.GetSlotList(true).Single();
        mine.InitToken(slot, SoPin, Label("far behind"));
        ulong s = mine.OpenSession(slot, CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION);
        var handles = Enumerable.Range(0, 5).Select(i => mine.CreateObject(s, DataObject($"d{i}", token: true))).ToArray();
        using var other = EmbeddedBackend.Open(Config, tokens);
        ulong o = other.OpenSession(other.GetSlotList(true)[0], CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION);

        foreach (string label in new[] { "d0", "d1", "d2", "d3" })
        {
            other.FindObjectsInit(o, ByLabel(label));
            var found = new ulong[1];
            other.FindObjects(o, found);
            other.FindObjectsFinal(o);
            other.DestroyObject(o, found[0]);
        }

        mine.FindObjectsInit(s, new Template([TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_DATA)]));
        var left = new ulong[8];
        int n = mine.FindObjects(s, left);
        mine.FindObjectsFinal(s);
        Assert.That(left[..n], Is.EqualTo(new[] { handles[4] }));
    }

    [Test]
    public void LoginAndLogout_ReadOnlyTheObjectsWithASealedPart()
    {
        var counting = new CountingDirectory(Directory);
        Backend.Dispose();
        ReplaceBackend(EmbeddedBackend.Open(Config, counting));
        ulong s = OpenRw();
        Backend.Login(s, CKU.CKU_USER, UserPin);
        for (int i = 0; i < 20; i++) Backend.CreateObject(s, DataObject($"public {i}", token: true));
        ulong secret = Backend.CreateObject(s, new Template([.. SecretKey("public key with a secret", [7]), TemplateAttribute.Bool(CKA.CKA_PRIVATE, false)]));
        ulong privateData = Backend.CreateObject(s, DataObject("private", token: true, isPrivate: true));
        Backend.Logout(s);

        counting.RecordsRead = 0;
        Backend.Login(s, CKU.CKU_USER, UserPin);
        Assert.That(counting.RecordsRead, Is.EqualTo(2), "the AES key and the private data object, not the 20 public ones");
        var back = FindAll(s, ByLabel("private"));
        Assert.That(back, Has.Length.EqualTo(1), "the private object is back");
        Assert.That(back[0], Is.Not.EqualTo(privateData), "under a new handle (§5.6 C_Logout)");
        Backend.EncryptInit(s, new Mechanism(CKM.CKM_AES_ECB), secret);
        Backend.Encrypt(s, new byte[16], new byte[16], false);
        Assert.That(FindAll(s, new Template([TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_DATA)])), Has.Length.EqualTo(21));

        counting.RecordsRead = 0;
        Backend.Logout(s);
        Assert.That(counting.RecordsRead, Is.EqualTo(2));
        Assert.That(FindAll(s, ByLabel("private")), Is.Empty, "private objects leave the view");
        Assert.That(FindAll(s, ByLabel("public 7")), Has.Length.EqualTo(1));
        Assert.That(Rv(() => Backend.EncryptInit(s, new Mechanism(CKM.CKM_AES_ECB), secret)), Is.Not.EqualTo(CKR.CKR_OK),
            "the public key's value is sealed again: no use without a login");
    }

    /// <summary>Counts the object records the stores hand out through <see cref="ITokenStore.LoadObjectChanges"/>
    /// and <see cref="ITokenStore.LoadSealedObjects"/>.</summary>
    private sealed class CountingDirectory(ITokenDirectory inner) : ITokenDirectory
    {
        public int RecordsRead { get; set; }

        public IReadOnlyList<string> ListSerials() => inner.ListSerials();

        public ITokenStore Open(string serial) => new Store(this, inner.Open(serial));

        public ITokenStore Create(TokenRecord token) => new Store(this, inner.Create(token));

        private sealed class Store(CountingDirectory owner, ITokenStore inner) : DelegatingTokenStore(inner)
        {
            public override IReadOnlyList<ObjectRecord> LoadSealedObjects()
            {
                var sealedRecords = base.LoadSealedObjects();
                owner.RecordsRead += sealedRecords.Count;
                return sealedRecords;
            }

            public override ObjectChanges LoadObjectChanges(long since)
            {
                var changes = base.LoadObjectChanges(since);
                owner.RecordsRead += changes.Changed.Count;
                return changes;
            }
        }
    }
}
