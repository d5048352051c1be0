using CloudHsm.Core.Storage;
using CloudHsm.Storage.Sqlite;
using NUnit.Framework;

namespace CloudHsm.Storage.Tests;

/// <summary>The shared behaviour, on SQLite: every store is its own connection, as another process would be.</summary>
[TestFixture]
public sealed class SqliteTokenStoreTests : TokenStoreBehaviour
{
    protected override ITokenDirectory NewDirectory(string scratch) => new SqliteTokenDirectory(Path.Combine(scratch, "tokens"));
}
