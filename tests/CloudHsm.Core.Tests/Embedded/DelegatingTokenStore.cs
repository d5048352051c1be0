using CloudHsm.Core.Storage;

namespace CloudHsm.Core.Tests.Embedded;

/// <summary>A token store that passes every call to another; tests derive from it to watch or delay the
/// few calls they are about.</summary>
internal abstract class DelegatingTokenStore(ITokenStore inner) : ITokenStore
{
    public string Serial => inner.Serial;
    public long ChangeStamp => inner.ChangeStamp;
    public ObjectWrite LastObjectWrite => inner.LastObjectWrite;
    public TokenRecord LoadToken() => inner.LoadToken();
    public TokenRecord UpdateToken(Func<TokenRecord, TokenRecord> change) => inner.UpdateToken(change);
    public void Reinitialize(TokenRecord token) => inner.Reinitialize(token);
    public IReadOnlyList<ObjectRecord> LoadObjects() => inner.LoadObjects();
    public virtual IReadOnlyList<ObjectRecord> LoadSealedObjects() => inner.LoadSealedObjects();
    public virtual ObjectChanges LoadObjectChanges(long since) => inner.LoadObjectChanges(since);
    public void AddObject(ObjectRecord record) => inner.AddObject(record);
    public virtual bool ReplaceObject(ObjectRecord record) => inner.ReplaceObject(record);
    public virtual bool DeleteObject(Guid uid) => inner.DeleteObject(uid);
    public void Dispose() => inner.Dispose();
}
