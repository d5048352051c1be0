using CloudHsm.Core.Attributes;
using CloudHsm.Core.Storage;
using CloudHsm.Core.Storage.Sealing;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using NUnit.Framework;
using static CloudHsm.Storage.Tests.TestData;

namespace CloudHsm.Storage.Tests;

/// <summary>What only the SQLite store has: files, modes, atomic creation, fork handling, crash safety.</summary>
[TestFixture]
public sealed class SqliteTokenDirectoryTests
{
    private TempDirectory _temp = null!;
    private string _root = null!;
    private readonly List<IDisposable> _stores = [];

    [SetUp]
    public void SetUp()
    {
        _temp = new TempDirectory();
        _root = Path.Combine(_temp.Path, "tokens");
    }

    [TearDown]
    public void TearDown()
    {
        foreach (var store in _stores) store.Dispose();
        _stores.Clear();
        _temp.Dispose();
    }

    private T Track<T>(T store) where T : IDisposable
    {
        _stores.Add(store);
        return store;
    }

    private static string RawConnection(string databasePath) =>
        new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();

    private static object? Scalar(string databasePath, string sql)
    {
        using var db = new SqliteConnection(RawConnection(databasePath));
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    [Test]
    public void Create_LaysOutOneWalDatabasePerToken_InPrivateFolders()
    {
        var directory = new SqliteTokenDirectory(_root);

        Track(directory.Create(Token("0123456789ABCDEF")));

        string database = Path.Combine(_root, "0123456789ABCDEF", "token.sqlite");
        Assert.That(File.Exists(database), Is.True);
        Assert.That(Scalar(database, "PRAGMA journal_mode"), Is.EqualTo("wal"));
        Assert.That(Scalar(database, "SELECT value FROM meta WHERE name = 'schema'"), Is.EqualTo(2L));
        Assert.That(Directory.GetDirectories(_root).Select(Path.GetFileName), Is.EqualTo(new[] { "0123456789ABCDEF" }), "no temp folder left");
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            Assert.That(File.GetUnixFileMode(_root), Is.EqualTo(Owner));
            Assert.That(File.GetUnixFileMode(Path.GetDirectoryName(database)!), Is.EqualTo(Owner));
            Assert.That(File.GetUnixFileMode(database), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        }
    }

    [Test]
    public void ListSerials_IgnoresTempFoldersStrayFilesAndFoldersWithoutADatabase()
    {
        var directory = new SqliteTokenDirectory(_root);
        Track(directory.Create(Token("AAAA")));
        Directory.CreateDirectory(Path.Combine(_root, ".tmp-0123456789abcdef0123456789abcdef"));
        File.WriteAllBytes(Path.Combine(_root, ".tmp-0123456789abcdef0123456789abcdef", "token.sqlite"), [1, 2, 3]);
        Directory.CreateDirectory(Path.Combine(_root, "EMPTY"));
        Directory.CreateDirectory(Path.Combine(_root, "not valid"));
        File.WriteAllBytes(Path.Combine(_root, "not valid", "token.sqlite"), [1]);
        File.WriteAllText(Path.Combine(_root, "BBBB"), "a file, not a token");

        Assert.That(directory.ListSerials(), Is.EqualTo(new[] { "AAAA" }));
    }

    [Test]
    public void ListSerials_OfAMissingDirectory_IsEmpty()
    {
        Assert.That(new SqliteTokenDirectory(Path.Combine(_root, "nowhere")).ListSerials(), Is.Empty);
    }

    [Test]
    public void Create_RemovesOnlyStaleTempFolders()
    {
        Directory.CreateDirectory(_root);
        string stale = Path.Combine(_root, ".tmp-" + new string('a', 32));
        string recent = Path.Combine(_root, ".tmp-" + new string('b', 32));
        string foreign = Path.Combine(_root, ".tmp-not-ours");
        foreach (string d in new[] { stale, recent, foreign }) Directory.CreateDirectory(d);
        Directory.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-2));
        Directory.SetLastWriteTimeUtc(foreign, DateTime.UtcNow.AddHours(-2));

        Track(new SqliteTokenDirectory(_root).Create(Token("CCCC")));

        Assert.That(Directory.Exists(stale), Is.False, "stale");
        Assert.That(Directory.Exists(recent), Is.True, "may be another process's creation in progress");
        Assert.That(Directory.Exists(foreign), Is.True, "not a name this store makes");
    }

    [Test]
    public void Open_RefusesAnUnknownLayoutVersion()
    {
        var directory = new SqliteTokenDirectory(_root);
        directory.Create(Token("DDDD")).Dispose();
        Scalar(Path.Combine(_root, "DDDD", "token.sqlite"), "UPDATE meta SET value = 3 WHERE name = 'schema'");

        Assert.That(() => directory.Open("DDDD"), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
    }

    [Test]
    public void Open_AFileThatIsNotADatabase_IsDeviceError()
    {
        Directory.CreateDirectory(Path.Combine(_root, "EEEE"));
        File.WriteAllBytes(Path.Combine(_root, "EEEE", "token.sqlite"), Sequence(0, 4096));

        Assert.That(() => new SqliteTokenDirectory(_root).Open("EEEE"), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
    }

    [Test]
    public void Open_ADatabaseMovedUnderAnotherSerial_IsDeviceError()
    {
        var directory = new SqliteTokenDirectory(_root);
        directory.Create(Token("FFFF")).Dispose();
        Directory.Move(Path.Combine(_root, "FFFF"), Path.Combine(_root, "ABCD"));

        Assert.That(() => directory.Open("ABCD"), ThrowsCkr(CKR.CKR_DEVICE_ERROR));
    }

    [TestCase(13, CKR.CKR_DEVICE_MEMORY, Description = "SQLITE_FULL")]
    [TestCase(13 | (1 << 8), CKR.CKR_DEVICE_MEMORY, Description = "an extended SQLITE_FULL")]
    [TestCase(10, CKR.CKR_DEVICE_ERROR, Description = "SQLITE_IOERR")]
    [TestCase(11, CKR.CKR_DEVICE_ERROR, Description = "SQLITE_CORRUPT")]
    [TestCase(5, CKR.CKR_DEVICE_ERROR, Description = "SQLITE_BUSY")]
    public void SqliteErrors_MapToDeviceCodes_WithoutData(int code, CKR expected)
    {
        var mapped = SqliteErrors.ToCkr(new SqliteException("value 'hunter2' rejected", code));

        Assert.That(mapped.Rv, Is.EqualTo(expected));
        Assert.That(mapped.Message, Does.Not.Contain("hunter2"));
    }

    /// <summary>kill -9 leaves the files as they are at that moment: copy them while the store is still open
    /// (WAL not checkpointed) and every committed change must be in the copy.</summary>
    [Test]
    public void CommittedChanges_AreInTheFilesWhileTheStoreIsStillOpen()
    {
        var directory = new SqliteTokenDirectory(_root);
        var store = Track(directory.Create(Token("1234")));
        var objects = Enumerable.Range(0, 20).Select(i =>
            new ObjectRecord(Guid.NewGuid(), false, AttributeCodec.Encode([Attr(CKA.CKA_LABEL, $"obj {i}")]), [])).ToList();
        foreach (var o in objects) store.AddObject(o);
        store.DeleteObject(objects[0].Uid);
        store.UpdateToken(r => r with { UserFailedLogins = 3 });

        string copyRoot = Path.Combine(_temp.Path, "crashed");
        Directory.CreateDirectory(Path.Combine(copyRoot, "1234"));
        foreach (string file in Directory.GetFiles(Path.Combine(_root, "1234")))
            File.Copy(file, Path.Combine(copyRoot, "1234", Path.GetFileName(file)));
        Assert.That(File.Exists(Path.Combine(copyRoot, "1234", "token.sqlite-wal")), Is.True, "the WAL holds the recent commits");

        var reopened = Track(new SqliteTokenDirectory(copyRoot).Open("1234"));
        AssertSameObjects(reopened.LoadObjects(), objects.Skip(1));
        Assert.That(reopened.LoadToken().UserFailedLogins, Is.EqualTo(3));
    }

    [Test]
    public void TokenDirectoryCopiedWithoutThePin_HoldsNoKeyByteAndNoPin()
    {
        byte[] tokenKey = StorageScheme.NewTokenKey();
        byte[] privateKeyValue = Sequence(0x61, 32);
        byte[] publicSecretValue = Sequence(0x91, 32);
        byte[] marker = "plain-label-marker"u8.ToArray();
        var directory = new SqliteTokenDirectory(_root);
        var store = Track(directory.Create(Token("5678", tokenKey, soPin: "so-pin-secret")));
        store.UpdateToken(r => r with { UserPin = PinKeyDerivation.CreatePinRecord(Pin("user-pin-secret"), tokenKey, r.Serial, Iterations) });
        store.AddObject(ObjectSealer.Seal(Guid.NewGuid(), true,
            [Attr(CKA.CKA_CLASS, 4UL), Attr(CKA.CKA_PRIVATE, true), Attr(CKA.CKA_VALUE, privateKeyValue)], IsSecret, tokenKey));
        store.AddObject(ObjectSealer.Seal(Guid.NewGuid(), false,
            [Attr(CKA.CKA_CLASS, 4UL), Attr(CKA.CKA_LABEL, marker), Attr(CKA.CKA_VALUE, publicSecretValue)], IsSecret, tokenKey));
        for (int i = 0; i < 5; i++) store.UpdateToken(r => r with { UserFailedLogins = i });

        var secrets = new Dictionary<string, byte[]>
        {
            ["token key"] = tokenKey,
            ["private CKA_VALUE"] = privateKeyValue,
            ["non-private secret CKA_VALUE"] = publicSecretValue,
            ["SO PIN"] = Pin("so-pin-secret"),
            ["user PIN"] = Pin("user-pin-secret"),
        };
        AssertNoSecretIn(Path.Combine(_root, "5678"), secrets, marker, expectWal: true);

        store.Dispose(); // checkpoint: the WAL goes into the main file
        AssertNoSecretIn(Path.Combine(_root, "5678"), secrets, marker, expectWal: false);
    }

    private static void AssertNoSecretIn(string folder, Dictionary<string, byte[]> secrets, byte[] marker, bool expectWal)
    {
        string[] files = Directory.GetFiles(folder);
        Assert.That(files.Select(Path.GetFileName), expectWal ? Does.Contain("token.sqlite-wal") : Does.Not.Contain("token.sqlite-wal"));
        bool markerSeen = false;
        foreach (string file in files)
        {
            byte[] content;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                content = new byte[stream.Length];
                stream.ReadExactly(content);
            }
            foreach (var (what, secret) in secrets)
                Assert.That(content.AsSpan().IndexOf(secret), Is.EqualTo(-1), $"{what} found in {Path.GetFileName(file)}");
            markerSeen |= content.AsSpan().IndexOf(marker) >= 0;
        }
        Assert.That(markerSeen, Is.True, "the scan finds plain attributes, so it would find a secret too");
    }

    [Test]
    public void AfterFork_AnIdleInheritedConnectionIsReplaced_AndTheStoreGoesOn()
    {
        int pid = 1000;
        var directory = new SqliteTokenDirectory(_root, () => pid);
        var store = (SqliteTokenStore)Track(directory.Create(Token("F001")));
        var obj = new ObjectRecord(Guid.NewGuid(), false, AttributeCodec.Encode([]), []);
        store.AddObject(obj);
        long stamp = store.ChangeStamp;
        int abandoned = SqliteTokenStore.AbandonedCount;

        pid = 2000; // as seen by the child

        Assert.That(store.ChangeStamp, Is.Not.EqualTo(stamp), "the child must reload: it may have missed changes");
        AssertSameObjects(store.LoadObjects(), [obj]);
        store.UpdateToken(r => r with { SoFailedLogins = 1 });
        Assert.That(store.Reopens, Is.EqualTo(1));
        Assert.That(SqliteTokenStore.AbandonedCount, Is.EqualTo(abandoned), "an idle connection is closed, not abandoned");
        Assert.That(Track(directory.Open("F001")).LoadToken().SoFailedLogins, Is.EqualTo(1));
    }

    [Test]
    public void AfterFork_AConnectionBusyAtForkTime_IsAbandonedNotClosed()
    {
        int pid = 1000;
        var directory = new SqliteTokenDirectory(_root, () => pid);
        var store = (SqliteTokenStore)Track(directory.Create(Token("F002")));
        int abandoned = SqliteTokenStore.AbandonedCount;
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        Exception? writerError = null;

        // A thread of the "parent" is inside a write transaction when the "fork" happens.
        var writer = new Thread(() =>
        {
            try
            {
                store.UpdateToken(r =>
                {
                    inside.Set();
                    release.Wait();
                    return r with { UserFailedLogins = 7 };
                });
            }
            catch (Exception e)
            {
                writerError = e;
            }
        });
        writer.Start();
        Assert.That(inside.Wait(TimeSpan.FromSeconds(10)), Is.True);

        pid = 2000;
        var seenByChild = store.LoadToken();

        Assert.That(seenByChild.UserFailedLogins, Is.Zero, "the open transaction is not visible");
        Assert.That(SqliteTokenStore.AbandonedCount, Is.EqualTo(abandoned + 1));
        Assert.That(store.Reopens, Is.EqualTo(1));

        release.Set();
        writer.Join();
        Assert.That(writerError, Is.Null);
        Assert.That(store.LoadToken().UserFailedLogins, Is.EqualTo(7), "the parent's transaction committed untouched");
    }

    [Test]
    public void Dispose_InAChild_LeavesTheParentsConnectionAlone_AndTheDatabaseUsable()
    {
        int pid = 1000;
        var directory = new SqliteTokenDirectory(_root, () => pid);
        var store = directory.Create(Token("F003"));

        pid = 2000;
        store.Dispose();

        Assert.That(() => store.LoadToken(), Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(Track(directory.Open("F003")).LoadToken().Serial, Is.EqualTo("F003"));
    }
    private static void Execute(string databasePath, string sql)
    {
        using var db = new SqliteConnection(RawConnection(databasePath));
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static ObjectRecord DataRecord(string label) =>
        new(Guid.NewGuid(), false, AttributeCodec.Encode([Attr(CKA.CKA_LABEL, label)]), []);

    /// <summary>Turns a layout-2 database back into layout 1 as the first release wrote it.</summary>
    private const string DowngradeTo1 = """
        DROP TRIGGER objects_inserted; DROP TRIGGER objects_updated; DROP TRIGGER objects_deleted;
        DROP INDEX objects_change; DROP TABLE deleted;
        ALTER TABLE objects DROP COLUMN change;
        DELETE FROM meta WHERE name <> 'schema';
        UPDATE meta SET value = 1 WHERE name = 'schema';
        """;

    [Test]
    public void Open_ALayout1Database_UpgradesItInPlace_KeepingEveryObject()
    {
        var directory = new SqliteTokenDirectory(_root);
        var records = new[] { DataRecord("one"), DataRecord("two") };
        using (var store = directory.Create(Token("A0A1")))
            foreach (var r in records) store.AddObject(r);
        string database = Path.Combine(_root, "A0A1", "token.sqlite");
        Execute(database, DowngradeTo1);
        Assert.That(Scalar(database, "SELECT count(*) FROM pragma_table_info('objects') WHERE name = 'change'"), Is.EqualTo(0L));

        var upgraded = Track(directory.Open("A0A1"));

        Assert.That(Scalar(database, "SELECT value FROM meta WHERE name = 'schema'"), Is.EqualTo(2L));
        var snapshot = upgraded.LoadObjectChanges(-1);
        Assert.That(snapshot.Changed.Select(o => o.Uid), Is.EqualTo(records.Select(r => r.Uid)));
        Assert.That(snapshot.Changed.Select(o => o.PlainAttributes), Is.EqualTo(records.Select(r => r.PlainAttributes)));
        var other = Track(directory.Open("A0A1"));
        var added = DataRecord("three");
        other.AddObject(added);
        Assert.That(other.DeleteObject(records[0].Uid), Is.True);
        var changes = upgraded.LoadObjectChanges(snapshot.Version);
        Assert.That(changes.IsSnapshot, Is.False);
        Assert.That(changes.Changed.Select(o => o.Uid), Is.EqualTo(new[] { added.Uid }));
        Assert.That(changes.Deleted, Is.EqualTo(new[] { records[0].Uid }));
    }

    [Test]
    public void ObjectChanges_ByAWriterThatDoesNotKnowTheChangeColumn_AreNumberedAllTheSame()
    {
        // A process of the previous build that had the database open before the upgrade writes as layout 1 did.
        var directory = new SqliteTokenDirectory(_root);
        var store = Track(directory.Create(Token("A0A2")));
        var existing = DataRecord("existing");
        store.AddObject(existing);
        long seen = store.LoadObjectChanges(-1).Version;
        string database = Path.Combine(_root, "A0A2", "token.sqlite");
        var uid = Guid.NewGuid();

        Execute(database, $"INSERT INTO objects(uid, is_private, plain, sealed) VALUES (x'{Convert.ToHexString(StorageScheme.UidBytes(uid))}', 0, x'', x'');"
            + $"UPDATE objects SET plain = x'00' WHERE uid = x'{Convert.ToHexString(StorageScheme.UidBytes(existing.Uid))}';");
        var changes = store.LoadObjectChanges(seen);

        Assert.That(changes.IsSnapshot, Is.False);
        Assert.That(changes.Changed.Select(o => o.Uid), Is.EquivalentTo(new[] { uid, existing.Uid }));
        Execute(database, $"DELETE FROM objects WHERE uid = x'{Convert.ToHexString(StorageScheme.UidBytes(uid))}'");
        Assert.That(store.LoadObjectChanges(changes.Version).Deleted, Is.EqualTo(new[] { uid }));
    }

    [Test]
    public void ObjectChanges_OlderThanTheRemovalsKept_AreASnapshot_AndTheRecordStaysBounded()
    {
        var directory = new SqliteTokenDirectory(_root);
        var mine = Track(directory.Create(Token("A0A3")));
        string database = Path.Combine(_root, "A0A3", "token.sqlite");
        Execute(database, "UPDATE meta SET value = 3 WHERE name = 'deletions_kept'");
        var records = Enumerable.Range(0, 6).Select(i => DataRecord($"obj {i}")).ToList();
        records.ForEach(mine.AddObject);
        long seen = mine.LoadObjectChanges(-1).Version;
        var theirs = Track(directory.Open("A0A3"));

        theirs.DeleteObject(records[0].Uid);
        Assert.That(mine.LoadObjectChanges(seen).IsSnapshot, Is.False, "within the removals kept");
        for (int i = 1; i < 5; i++) theirs.DeleteObject(records[i].Uid);
        var changes = mine.LoadObjectChanges(seen);

        Assert.That(changes.IsSnapshot, Is.True);
        Assert.That(changes.Changed.Select(o => o.Uid), Is.EqualTo(new[] { records[5].Uid }));
        Assert.That(Scalar(database, "SELECT count(*) FROM deleted"), Is.EqualTo(3L));
    }
}
