using CloudHsm.Core.Errors;
using CloudHsm.Core.Storage;
using CloudHsm.Core.Storage.Sealing;
using CloudHsm.Pkcs11.Abi;
using NUnit.Framework;
using static CloudHsm.Storage.Tests.TestData;

namespace CloudHsm.Storage.Tests;

/// <summary>
/// What every <see cref="ITokenDirectory"/> / <see cref="ITokenStore"/> must do, run against each
/// implementation by a derived fixture. A second store opened on the same serial plays the part of
/// another process.
/// </summary>
public abstract class TokenStoreBehaviour
{
    private readonly List<IDisposable> _stores = [];
    private TempDirectory _scratch = null!;

    protected ITokenDirectory Tokens { get; private set; } = null!;

    /// <summary>A new, empty token directory; <paramref name="scratch"/> is an empty folder removed after the test.</summary>
    protected abstract ITokenDirectory NewDirectory(string scratch);

    [SetUp]
    public void CreateTokenDirectory()
    {
        _scratch = new TempDirectory();
        Tokens = NewDirectory(_scratch.Path);
    }

    [TearDown]
    public void DisposeStores()
    {
        foreach (var store in _stores) store.Dispose();
        _stores.Clear();
        _scratch.Dispose();
    }

    protected ITokenStore Track(ITokenStore store)
    {
        _stores.Add(store);
        return store;
    }

    protected ITokenStore Create(TokenRecord token) => Track(Tokens.Create(token));

    protected ITokenStore Open(string serial) => Track(Tokens.Open(serial));

    private static ObjectRecord SampleObject(bool isPrivate = false, byte fill = 1) =>
        new(Guid.NewGuid(), isPrivate, AttributeCodecList(fill), isPrivate ? Sequence(fill, 61) : []);

    private static byte[] AttributeCodecList(byte fill) =>
        Core.Attributes.AttributeCodec.Encode([Attr(CKA.CKA_LABEL, Sequence(fill, 5))]);

    [Test]
    public void Create_ThenLoadToken_ReturnsWhatWasCreated()
    {
        var token = Token("A1B2C3D4E5F60718");

        var store = Create(token);

        Assert.That(store.Serial, Is.EqualTo("A1B2C3D4E5F60718"));
        AssertSameToken(store.LoadToken(), token);
        Assert.That(store.LoadObjects(), Is.Empty);
    }

    [Test]
    public void LoadSealedObjects_ReturnsOnlyTheRecordsWithASealedPart()
    {
        var store = Create(Token("5555555555555551"));
        var plainOnly = SampleObject(fill: 1);
        var privateObject = SampleObject(isPrivate: true, fill: 2);
        var publicWithSecret = new ObjectRecord(Guid.NewGuid(), false, AttributeCodecList(3), Sequence(3, 61));
        foreach (var record in new[] { plainOnly, privateObject, publicWithSecret }) store.AddObject(record);

        AssertSameObjects(Open("5555555555555551").LoadSealedObjects(), [privateObject, publicWithSecret]);
        store.DeleteObject(privateObject.Uid);
        AssertSameObjects(store.LoadSealedObjects(), [publicWithSecret]);
    }

    [Test]
    public void Create_TokenIsListedAndAnotherStoreOpensTheSameState()
    {
        var token = Token("0000000000000001");
        Create(token);

        var other = Open("0000000000000001");

        Assert.That(Tokens.ListSerials(), Is.EqualTo(new[] { "0000000000000001" }));
        AssertSameToken(other.LoadToken(), token);
    }

    [Test]
    public void ListSerials_IsEmptyAtFirst_ThenSortedOrdinally()
    {
        Assert.That(Tokens.ListSerials(), Is.Empty);

        foreach (string serial in new[] { "b2", "A1", "B2", "a0" }) Create(Token(serial));

        Assert.That(Tokens.ListSerials(), Is.EqualTo(new[] { "A1", "B2", "a0", "b2" }));
    }

    [Test]
    public void Open_UnknownSerial_IsTokenNotPresent()
    {
        Assert.That(() => Tokens.Open("FFFFFFFFFFFFFFFF"), ThrowsCkr(CKR.CKR_TOKEN_NOT_PRESENT));
    }

    [Test]
    public void Create_ExistingSerial_IsDeviceError_AndKeepsTheFirstToken()
    {
        var first = Token("1111111111111111", label: "first");
        Create(first);

        Assert.That(() => Create(Token("1111111111111111", label: "second")), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
        AssertSameToken(Open("1111111111111111").LoadToken(), first);
    }

    [TestCase("")]
    [TestCase("../escape")]
    [TestCase(".hidden")]
    [TestCase("a/b")]
    [TestCase("a b")]
    [TestCase("12345678901234567")]
    public void InvalidSerials_AreRefused(string serial)
    {
        Assert.That(() => Tokens.Create(Token("0000000000000001") with { Serial = serial }), Throws.ArgumentException);
        Assert.That(() => Tokens.Open(serial), Throws.ArgumentException);
    }

    [Test]
    public void UpdateToken_WritesTheChange_ReturnsIt_AndOtherStoresSeeIt()
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        var store = Create(Token("2222222222222222", tokenKey));
        var userPin = PinKeyDerivation.CreatePinRecord(Pin("user-1234"), tokenKey, "2222222222222222", Iterations);

        var written = store.UpdateToken(r => r with { UserPin = userPin, SoFailedLogins = 2, UserFailedLogins = 1, Label = Label("renamed") });

        Assert.That(written.UserPin!.Verifier, Is.EqualTo(userPin.Verifier));
        Assert.That(written.SoFailedLogins, Is.EqualTo(2));
        var seen = Open("2222222222222222").LoadToken();
        AssertSameToken(seen, written);
        Assert.That(PinKeyDerivation.TryUnlock(seen.UserPin!, Pin("user-1234"), seen.Serial, out byte[]? key), Is.True);
        Assert.That(key, Is.EqualTo(tokenKey));
    }

    [Test]
    public void UpdateToken_CanRemoveTheUserPinAgain()
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        var store = Create(Token("2222222222222223", tokenKey));
        store.UpdateToken(r => r with { UserPin = PinKeyDerivation.CreatePinRecord(Pin("1234"), tokenKey, r.Serial, Iterations) });

        store.UpdateToken(r => r with { UserPin = null });

        Assert.That(Open("2222222222222223").LoadToken().UserPin, Is.Null);
    }

    [Test]
    public void UpdateToken_WhenTheChangeThrows_WritesNothing()
    {
        var token = Token("3333333333333333");
        var store = Create(token);

        Assert.That(() => store.UpdateToken(_ => throw new InvalidOperationException("boom")), Throws.InvalidOperationException);

        AssertSameToken(store.LoadToken(), token);
        Assert.That(() => store.UpdateToken(r => r with { SoFailedLogins = 1 }), Throws.Nothing, "the store is usable afterwards");
    }

    [Test]
    public void UpdateToken_CannotChangeTheSerial()
    {
        var token = Token("4444444444444444");
        var store = Create(token);

        Assert.That(() => store.UpdateToken(r => r with { Serial = "5555555555555555" }), Throws.ArgumentException);
        AssertSameToken(store.LoadToken(), token);
    }

    [Test]
    public void Reinitialize_RemovesEveryObjectAndReplacesTheRecord()
    {
        var store = Create(Token("6666666666666666"));
        store.AddObject(SampleObject());
        store.AddObject(SampleObject(isPrivate: true));
        var fresh = Token("6666666666666666", soPin: "new-so-pin", label: "again");

        store.Reinitialize(fresh);

        Assert.That(store.LoadObjects(), Is.Empty);
        AssertSameToken(store.LoadToken(), fresh);
        Assert.That(Open("6666666666666666").LoadObjects(), Is.Empty);
    }

    [Test]
    public void Reinitialize_CannotChangeTheSerial()
    {
        var store = Create(Token("6666666666666667"));
        store.AddObject(SampleObject());

        Assert.That(() => store.Reinitialize(Token("7777777777777777")), Throws.ArgumentException);
        Assert.That(store.LoadObjects(), Has.Count.EqualTo(1));
    }

    [Test]
    public void AddObject_ThenLoadObjects_RoundTripsEveryField()
    {
        var store = Create(Token("8888888888888888"));
        var objects = new[] { SampleObject(fill: 1), SampleObject(isPrivate: true, fill: 2), SampleObject(fill: 3) };

        foreach (var o in objects) store.AddObject(o);

        AssertSameObjects(store.LoadObjects(), objects);
        AssertSameObjects(Open("8888888888888888").LoadObjects(), objects);
    }

    [Test]
    public void ReplaceObject_SameUid_ReplacesTheObject()
    {
        var store = Create(Token("9999999999999999"));
        var original = SampleObject(fill: 1);
        store.AddObject(original);
        var changed = original with { IsPrivate = true, PlainAttributes = [0, 0, 0, 0], SealedAttributes = Sequence(9, 40) };

        Assert.That(store.ReplaceObject(changed), Is.True);

        AssertSameObjects(store.LoadObjects(), [changed]);
    }

    [Test]
    public void ReplaceObject_AfterAnotherStoreDeletedIt_DoesNotBringItBack()
    {
        var store = Create(Token("9999999999999998"));
        var obj = SampleObject(fill: 1);
        store.AddObject(obj);
        Assert.That(Open("9999999999999998").DeleteObject(obj.Uid), Is.True);

        Assert.That(store.ReplaceObject(obj with { PlainAttributes = [1, 2, 3] }), Is.False);

        Assert.That(store.LoadObjects(), Is.Empty);
    }

    [Test]
    public void AddObject_SameUidTwice_IsRefusedAndKeepsTheFirst()
    {
        var store = Create(Token("9999999999999997"));
        var obj = SampleObject(fill: 1);
        store.AddObject(obj);

        Assert.That(() => store.AddObject(obj with { PlainAttributes = [7] }),
            Throws.TypeOf<CkrException>().With.Property(nameof(CkrException.Rv)).EqualTo(CKR.CKR_DEVICE_ERROR));

        AssertSameObjects(store.LoadObjects(), [obj]);
    }

    [Test]
    public void DeleteObject_RemovesIt_ThenReportsItGone()
    {
        var store = Create(Token("AAAAAAAAAAAAAAAA"));
        var keep = SampleObject(fill: 1);
        var drop = SampleObject(fill: 2);
        store.AddObject(keep);
        store.AddObject(drop);

        Assert.That(store.DeleteObject(drop.Uid), Is.True);
        Assert.That(Open("AAAAAAAAAAAAAAAA").DeleteObject(drop.Uid), Is.False, "another process sees it gone");
        AssertSameObjects(store.LoadObjects(), [keep]);
    }

    [Test]
    public void StoredRecords_AreNotAliasedWithTheCallersArrays()
    {
        var token = Token("BBBBBBBBBBBBBBBB");
        var expected = token with { Label = (byte[])token.Label.Clone() };
        var store = Create(token);
        var obj = SampleObject(isPrivate: true);
        var expectedObject = obj with { SealedAttributes = (byte[])obj.SealedAttributes.Clone() };
        store.AddObject(obj);

        Array.Clear(token.Label);
        Array.Clear(obj.SealedAttributes);
        Array.Clear(store.LoadToken().Label);
        Array.Clear(store.LoadObjects()[0].SealedAttributes);

        AssertSameToken(store.LoadToken(), expected);
        AssertSameObjects(store.LoadObjects(), [expectedObject]);
    }

    [Test]
    public void ChangeStamp_StaysWhenNothingHappens_AndWhenThisStoreCommits()
    {
        var store = Create(Token("CCCCCCCCCCCCCCCC"));
        long before = store.ChangeStamp;

        Assert.That(store.ChangeStamp, Is.EqualTo(before), "nothing happened");
        store.AddObject(SampleObject());
        store.UpdateToken(r => r with { SoFailedLogins = 1 });
        Assert.That(store.ChangeStamp, Is.EqualTo(before), "own commits");
    }

    [Test]
    public void ChangeStamp_ChangesAfterEachCommitOfAnotherStore()
    {
        var store = Create(Token("DDDDDDDDDDDDDDDD"));
        var other = Open("DDDDDDDDDDDDDDDD");
        var obj = SampleObject();
        var changes = new (string What, Action Commit)[]
        {
            ("AddObject", () => other.AddObject(obj)),
            ("ReplaceObject", () => other.ReplaceObject(obj with { PlainAttributes = [5] })),
            ("DeleteObject", () => other.DeleteObject(obj.Uid)),
            ("UpdateToken", () => other.UpdateToken(r => r with { UserFailedLogins = r.UserFailedLogins + 1 })),
            ("Reinitialize", () => other.Reinitialize(Token("DDDDDDDDDDDDDDDD"))),
        };

        foreach (var (what, commit) in changes)
        {
            long before = store.ChangeStamp;
            commit();
            long after = store.ChangeStamp;
            Assert.That(after, Is.Not.EqualTo(before), what);
            Assert.That(store.ChangeStamp, Is.EqualTo(after), what + ", read twice");
        }
    }

    [Test]
    public void UpdateToken_FromTwoStoresAtOnce_LosesNoIncrement()
    {
        const int PerThread = 200;
        Create(Token("EEEEEEEEEEEEEEEE"));
        var stores = new[] { Open("EEEEEEEEEEEEEEEE"), Open("EEEEEEEEEEEEEEEE") };
        var failures = new List<Exception>();
        using var start = new Barrier(stores.Length);

        var threads = stores.Select(store => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                for (int i = 0; i < PerThread; i++)
                    store.UpdateToken(r => r with { UserFailedLogins = r.UserFailedLogins + 1 });
            }
            catch (Exception e)
            {
                lock (failures) failures.Add(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.That(failures, Is.Empty);
        Assert.That(Open("EEEEEEEEEEEEEEEE").LoadToken().UserFailedLogins, Is.EqualTo(PerThread * stores.Length));
    }

    /// <summary>
    /// A writer in a tight loop must not starve another: each write of the second store gets its turn while
    /// the first keeps rewriting an object (before the writers' queue, the second gave up after the busy
    /// timeout with CKR_DEVICE_ERROR). Nothing here is timed; a starved write fails, it does not slow down.
    /// </summary>
    [Test]
    public void Writes_WhileAnotherStoreWritesInATightLoop_AllGetTheirTurn()
    {
        const int Turns = 40;
        var busy = Create(Token("EEEEEEEEEEEEEEEF"));
        var patient = Open("EEEEEEEEEEEEEEEF");
        var hammered = SampleObject(fill: 1);
        busy.AddObject(hammered);
        var victims = Enumerable.Range(0, Turns).Select(i => SampleObject(fill: (byte)(i + 2))).ToList();
        victims.ForEach(busy.AddObject);
        Exception? hammerFailure = null;
        int rewrites = 0;
        using var stop = new ManualResetEventSlim();

        var hammer = new Thread(() =>
        {
            try
            {
                while (!stop.IsSet)
                {
                    busy.ReplaceObject(hammered with { PlainAttributes = BitConverter.GetBytes(rewrites) });
                    Interlocked.Increment(ref rewrites);
                }
            }
            catch (Exception e)
            {
                hammerFailure = e;
            }
        });
        hammer.Start();
        try
        {
            // The contest starts once the hammer is writing (the in-memory store would otherwise be done first).
            Assert.That(SpinWait.SpinUntil(() => Volatile.Read(ref rewrites) > 0 || hammerFailure is not null, TimeSpan.FromSeconds(30)),
                Is.True, "the hammer thread started writing");
            foreach (var victim in victims)
            {
                Assert.That(patient.DeleteObject(victim.Uid), Is.True);
                patient.UpdateToken(r => r with { UserFailedLogins = r.UserFailedLogins + 1 });
            }
        }
        finally
        {
            stop.Set();
            hammer.Join();
        }

        Assert.That(hammerFailure, Is.Null);
        Assert.That(rewrites, Is.GreaterThan(0));
        Assert.That(patient.LoadObjects().Select(o => o.Uid), Is.EqualTo(new[] { hammered.Uid }));
        Assert.That(patient.LoadToken().UserFailedLogins, Is.EqualTo(Turns));
    }

    [Test]
    public void LoadObjectChanges_Negative_IsASnapshotOfEveryObject()
    {
        var store = Create(Token("C0C0C0C0C0C0C0C1"));
        var a = SampleObject(fill: 1);
        var b = SampleObject(isPrivate: true, fill: 2);
        store.AddObject(a);
        store.AddObject(b);

        var changes = store.LoadObjectChanges(-1);

        Assert.That(changes.IsSnapshot, Is.True);
        Assert.That(changes.Changed.Select(o => o.Uid), Is.EquivalentTo(new[] { a.Uid, b.Uid }));
        Assert.That(changes.Deleted, Is.Empty);
        Assert.That(store.LoadObjectChanges(changes.Version).Changed, Is.Empty, "nothing changed since");
    }

    [Test]
    public void LoadObjectChanges_SinceAVersion_TellsOnlyWhatAnotherStoreAddedChangedAndRemoved()
    {
        var mine = Create(Token("C0C0C0C0C0C0C0C2"));
        var theirs = Open("C0C0C0C0C0C0C0C2");
        var kept = SampleObject(fill: 1);
        var changed = SampleObject(fill: 2);
        var removed = SampleObject(fill: 3);
        foreach (var o in new[] { kept, changed, removed }) mine.AddObject(o);
        long seen = mine.LoadObjectChanges(-1).Version;

        var added = SampleObject(isPrivate: true, fill: 4);
        theirs.AddObject(added);
        Assert.That(theirs.ReplaceObject(changed with { PlainAttributes = AttributeCodecList(9) }), Is.True);
        Assert.That(theirs.DeleteObject(removed.Uid), Is.True);
        var changes = mine.LoadObjectChanges(seen);

        Assert.That(changes.IsSnapshot, Is.False);
        Assert.That(changes.Version, Is.GreaterThan(seen));
        Assert.That(changes.Changed.Select(o => o.Uid), Is.EquivalentTo(new[] { added.Uid, changed.Uid }));
        Assert.That(changes.Changed.Single(o => o.Uid == changed.Uid).PlainAttributes, Is.EqualTo(AttributeCodecList(9)));
        Assert.That(changes.Changed.Single(o => o.Uid == added.Uid).SealedAttributes, Is.EqualTo(added.SealedAttributes));
        Assert.That(changes.Deleted, Is.EqualTo(new[] { removed.Uid }));
        Assert.That(mine.LoadObjectChanges(changes.Version) is { IsSnapshot: false, Changed.Count: 0, Deleted.Count: 0 });
    }

    [Test]
    public void LastObjectWrite_SpansExactlyTheStoresOwnChange()
    {
        var mine = Create(Token("C0C0C0C0C0C0C0C7"));
        var theirs = Open("C0C0C0C0C0C0C0C7");
        long seen = mine.LoadObjectChanges(-1).Version;
        var o = SampleObject();

        mine.AddObject(o);
        Assert.That(mine.LastObjectWrite, Is.EqualTo(new ObjectWrite(seen, mine.LoadObjectChanges(-1).Version)));
        long afterAdd = mine.LastObjectWrite.After;
        theirs.AddObject(SampleObject(fill: 2));
        Assert.That(mine.ReplaceObject(o with { PlainAttributes = AttributeCodecList(7) }), Is.True);

        Assert.That(mine.LastObjectWrite.Before, Is.GreaterThan(afterAdd), "another store wrote in between");
        Assert.That(mine.DeleteObject(Guid.NewGuid()), Is.False);
        Assert.That(mine.LastObjectWrite.After, Is.EqualTo(mine.LoadObjectChanges(-1).Version), "a write that changed nothing leaves it");
    }

    [Test]
    public void LoadObjectChanges_TokenRecordWrites_AreNoObjectChange()
    {
        var store = Create(Token("C0C0C0C0C0C0C0C3"));
        store.AddObject(SampleObject());
        long seen = store.LoadObjectChanges(-1).Version;

        Open("C0C0C0C0C0C0C0C3").UpdateToken(r => r with { UserFailedLogins = 1 });

        Assert.That(store.LoadObjectChanges(seen) is { Version: var v, IsSnapshot: false, Changed.Count: 0, Deleted.Count: 0 } && v == seen);
    }

    [Test]
    public void LoadObjectChanges_AfterReinitialize_IsASnapshotForEarlierVersions()
    {
        var mine = Create(Token("C0C0C0C0C0C0C0C4"));
        mine.AddObject(SampleObject());
        long seen = mine.LoadObjectChanges(-1).Version;

        Open("C0C0C0C0C0C0C0C4").Reinitialize(Token("C0C0C0C0C0C0C0C4"));
        var changes = mine.LoadObjectChanges(seen);

        Assert.That(changes.IsSnapshot, Is.True, "every object went: a reader must drop all it holds");
        Assert.That(changes.Changed, Is.Empty);
    }

    [Test]
    public void LoadObjectChanges_FromAVersionTheStoreNeverReached_IsASnapshot()
    {
        var store = Create(Token("C0C0C0C0C0C0C0C5"));
        var o = SampleObject();
        store.AddObject(o);

        var changes = store.LoadObjectChanges(store.LoadObjectChanges(-1).Version + 100);

        Assert.That(changes.IsSnapshot, Is.True);
        Assert.That(changes.Changed.Select(r => r.Uid), Is.EqualTo(new[] { o.Uid }));
    }

    [Test]
    public void Create_IsAtomic_ListedTokensAreAlwaysWhole()
    {
        const int Count = 15;
        var problems = new List<string>();
        var done = new ManualResetEventSlim();
        int listings = 0;

        var lister = new Thread(() =>
        {
            while (!done.IsSet)
            {
                try
                {
                    foreach (string serial in Tokens.ListSerials())
                    {
                        using var store = Tokens.Open(serial);
                        var token = store.LoadToken();
                        if (token.Serial != serial || token.SoPin.WrappedTokenKey.Length != StorageScheme.WrappedTokenKeySize)
                            lock (problems) problems.Add($"{serial}: inconsistent record");
                    }
                    Interlocked.Increment(ref listings);
                }
                catch (Exception e)
                {
                    lock (problems) problems.Add(e.GetType().Name + ": " + e.Message);
                }
            }
        });
        lister.Start();
        try
        {
            for (int i = 0; i < Count; i++) Create(Token($"{i:X16}"));
        }
        finally
        {
            done.Set();
            lister.Join();
        }

        Assert.That(problems, Is.Empty);
        Assert.That(listings, Is.GreaterThan(0));
        Assert.That(Tokens.ListSerials(), Has.Count.EqualTo(Count));
    }

    [Test]
    public void DisposedStore_RefusesUse()
    {
        var store = Tokens.Create(Token("FFFFFFFFFFFFFFF0"));
        store.Dispose();

        Assert.That(() => store.LoadToken(), Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(() => store.Dispose(), Throws.Nothing, "Dispose twice");
    }
}

[TestFixture]
public sealed class InMemoryTokenStoreTests : TokenStoreBehaviour
{
    protected override ITokenDirectory NewDirectory(string scratch) => new InMemoryTokenDirectory();

    [Test]
    public void LoadObjectChanges_OlderThanTheRemovalsKept_IsASnapshot()
    {
        var tokens = new InMemoryTokenDirectory(keptChanges: 3);
        using var mine = tokens.Create(Token("C0C0C0C0C0C0C0C6"));
        var objects = Enumerable.Range(0, 6).Select(i => new ObjectRecord(Guid.NewGuid(), false, [(byte)i], [])).ToList();
        objects.ForEach(mine.AddObject);
        long seen = mine.LoadObjectChanges(-1).Version;
        using var theirs = tokens.Open("C0C0C0C0C0C0C0C6");

        theirs.DeleteObject(objects[0].Uid);
        Assert.That(mine.LoadObjectChanges(seen).IsSnapshot, Is.False, "within the removals kept");
        for (int i = 1; i < 5; i++) theirs.DeleteObject(objects[i].Uid);
        var changes = mine.LoadObjectChanges(seen);

        Assert.That(changes.IsSnapshot, Is.True);
        Assert.That(changes.Changed.Select(o => o.Uid), Is.EqualTo(new[] { objects[5].Uid }));
    }
}
