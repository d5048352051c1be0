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
                    rewrites++;
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
}
