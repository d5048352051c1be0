using System.Collections.Concurrent;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Diagnostics;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Storage;
using CloudHsm.Core.Storage.Sealing;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tokens;

/// <summary>
/// The token's objects in this process: token objects cached from the store (reloaded when another
/// process commits a change), session objects in memory, and one handle per object for the life of
/// the process. Visibility and write access follow <see cref="AccessRules"/>.
/// </summary>
internal sealed partial class Token
{
    private readonly ConcurrentDictionary<ulong, ObjectEntry> _objects = new();
    private readonly ObjectIndex _index = new();
    private readonly Dictionary<Guid, ulong> _handleOfUid = [];
    private readonly HashSet<ulong> _sessionsWithObjects = [];
    private long _seenChangeStamp = long.MinValue;

    /// <summary>The store's object version that the token objects in view reflect; negative: none loaded.</summary>
    private long _objectVersion = -1;

    private ObjectContext Context => new(IsSecurityOfficer: LoggedIn == CKU.CKU_SO);

    /// <summary>Brings the token objects up to date if another process changed the store since we last looked:
    /// only the objects added, changed or removed since are read and opened (docs/storage-encryption.md §6.2).</summary>
    private void RefreshLocked()
    {
        long stamp = _store.ChangeStamp;
        if (stamp == _seenChangeStamp) return;
        _seenChangeStamp = stamp;
        Apply(_store.LoadObjectChanges(_objectVersion));
    }

    /// <summary>At login and logout, which change what can be opened: brings the view up to date, then reads
    /// again only the objects with a sealed part (private objects, public keys' secrets), opening them when
    /// the token key is known. The other objects do not change with the login state (a login used to read,
    /// decode and replace every object on the token).
    /// A record read here may be newer than the view's version; the next refresh reads it again, which is
    /// harmless. Handles stay bound to their UIDs, so an object keeps its handle across logins.</summary>
    private void ReopenSealedObjects()
    {
        RefreshLocked();
        foreach (var record in _store.LoadSealedObjects())
            Load(record);
    }

    private void Apply(ObjectChanges changes)
    {
        HashSet<Guid>? inSnapshot = changes.IsSnapshot ? [] : null;
        foreach (var record in changes.Changed)
        {
            inSnapshot?.Add(record.Uid);
            Load(record);
        }
        if (inSnapshot is null)
        {
            foreach (var uid in changes.Deleted)
                ForgetUid(uid);
        }
        else
        {
            foreach (var (_, entry) in _objects)
                if (entry.OwnerSession == 0 && !inSnapshot.Contains(entry.Object.Uid))
                    Forget(entry);
        }
        _objectVersion = changes.Version;
    }

    /// <summary>After a write of our own to the store: if nobody else wrote since our view's version, our view
    /// (already changed by the caller) is the store's new version, and the next refresh need not read our change back.</summary>
    private void WroteObject()
    {
        var write = _store.LastObjectWrite;
        if (write.Before == _objectVersion) _objectVersion = write.After;
    }

    /// <summary>Puts one stored object in view, or takes it out of view when it cannot be shown (private
    /// while nobody is logged in, or damaged).</summary>
    private void Load(ObjectRecord record)
    {
        if (record.IsPrivate && _tokenKey is null)
        {
            ForgetUid(record.Uid);
            return;
        }
        HsmObject obj;
        OpenedObject opened;
        try
        {
            opened = ObjectSealer.Open(record, _tokenKey);
            obj = HsmObject.FromStored(record.Uid, opened.Attributes);
            RequireSealedKeyMaterial(record, obj);
        }
        catch (CkrException e) when (e.Rv == CKR.CKR_DEVICE_ERROR)
        {
            // One damaged or tampered record must not take the token down: it stays out of sight.
            DiagnosticLog.Write(DiagnosticLevel.Error, $"token {Serial}: object {record.Uid} is ignored: {e.Message}");
            ForgetUid(record.Uid);
            return;
        }
        ulong handle = HandleOf(record.Uid);
        Put(new ObjectEntry(handle, obj, 0, opened.SealedPartPending));
    }

    /// <summary>A record rewritten outside the module could carry a key of the attacker's choosing in clear,
    /// with no sealed part to fail authentication: key material is only ever accepted from the sealed part.</summary>
    private static void RequireSealedKeyMaterial(ObjectRecord record, HsmObject obj)
    {
        if (obj.Class is not (CKO.CKO_SECRET_KEY or CKO.CKO_PRIVATE_KEY)) return;
        CkrException.ThrowIf(record.SealedAttributes.Length == 0, CKR.CKR_DEVICE_ERROR, "key material stored in clear");
        foreach (var (type, _) in AttributeCodec.Decode(record.PlainAttributes))
            CkrException.ThrowIf(ObjectEngine.IsSecret(obj, type), CKR.CKR_DEVICE_ERROR, "key material stored in clear");
    }

    /// <summary>Logout (§5.6 C_Logout): private session objects are destroyed, and the application's handles
    /// to private objects become invalid for good — a later login gives private token objects new ones.</summary>
    private void ForgetPrivateObjects()
    {
        foreach (var (_, entry) in _objects)
            if (entry.Object.IsPrivate) Forget(entry);
    }

    private void DropAllObjects()
    {
        _objects.Clear();
        _index.Clear();
        _handleOfUid.Clear();
        _seenChangeStamp = long.MinValue;
        _objectVersion = -1;
    }

    /// <summary>An object enters the view, or its entry is replaced: the one place besides <see cref="Forget"/>
    /// that changes what is in view, so that the index always agrees with it.</summary>
    private void Put(ObjectEntry entry)
    {
        _objects[entry.Handle] = entry;
        _index.Put(entry);
    }

    /// <summary>An object leaves this process's view for good (destroyed, its session closed, gone from the store,
    /// or private at logout): its handle is invalid from now on, and so is the UID's binding to it — should the
    /// UID come back, it gets a new handle. Without the second half the map keeps an entry for every object
    /// ever made (the stress test's RSS grew by some 3 MiB a minute).</summary>
    private void Forget(ObjectEntry entry)
    {
        _objects.TryRemove(entry.Handle, out _);
        _index.Remove(entry.Handle);
        _handleOfUid.Remove(entry.Object.Uid);
    }

    private void ForgetUid(Guid uid)
    {
        if (_handleOfUid.TryGetValue(uid, out ulong handle) && _objects.TryGetValue(handle, out var entry))
            Forget(entry);
    }

    /// <summary>UIDs bound to a handle: never more than the objects in view (for tests).</summary>
    internal int BoundHandleCount
    {
        get
        {
            lock (Sync) return _handleOfUid.Count;
        }
    }

    private ulong HandleOf(Guid uid)
    {
        if (!_handleOfUid.TryGetValue(uid, out ulong handle))
            _handleOfUid[uid] = handle = HandleAllocator.NextObject();
        return handle;
    }

    /// <summary>The visible object under <paramref name="handle"/>; <paramref name="invalid"/> otherwise
    /// (CKR_OBJECT_HANDLE_INVALID for object functions, CKR_KEY_HANDLE_INVALID for key uses).</summary>
    private ObjectEntry Visible(ulong handle, CKS state, CKR invalid)
    {
        if (_objects.TryGetValue(handle, out var entry) && AccessRules.CanRead(state, entry.Object.IsPrivate))
            return entry;
        throw new CkrException(invalid, $"no object {handle}");
    }

    /// <summary>A key for an operation. Lock-free: the hot path takes only its session's lock; a change
    /// another process made to the key is seen at the next object call that refreshes.</summary>
    public HsmObject KeyForUse(ulong handle, CKS state, CKR invalid = CKR.CKR_KEY_HANDLE_INVALID)
    {
        var entry = Visible(handle, state, invalid);
        CkrException.ThrowIf(entry.SecretPending, CKR.CKR_USER_NOT_LOGGED_IN, "the key material needs a login to open");
        return entry.Object;
    }

    public ulong CreateObject(ulong session, CKS state, Template template)
    {
        lock (Sync)
        {
            var obj = ObjectEngine.Create(template, Context);
            return Add(session, state, obj);
        }
    }

    public ulong CopyObject(ulong session, CKS state, ulong handle, Template template)
    {
        lock (Sync)
        {
            RefreshLocked();
            var source = Visible(handle, state, CKR.CKR_OBJECT_HANDLE_INVALID);
            CkrException.ThrowIf(source.SecretPending, CKR.CKR_USER_NOT_LOGGED_IN, "the key material needs a login to open");
            var copy = ObjectEngine.Copy(source.Object, template, Context);
            return Add(session, state, copy);
        }
    }

    /// <summary>Stores what a key generation, unwrap or derivation made: all objects or none.</summary>
    public ulong[] AddGenerated(ulong session, CKS state, Func<ObjectContext, HsmObject[]> make)
    {
        lock (Sync)
        {
            var objects = make(Context);
            foreach (var obj in objects)
                AccessRules.CheckWrite(state, obj.IsToken, obj.IsPrivate);
            var added = new List<ulong>();
            try
            {
                foreach (var obj in objects)
                    added.Add(Add(session, state, obj));
                return [.. added];
            }
            catch
            {
                foreach (ulong handle in added)
                {
                    if (!_objects.TryGetValue(handle, out var entry)) continue;
                    Forget(entry);
                    if (entry.Object.IsToken && _store.DeleteObject(entry.Object.Uid)) WroteObject();
                }
                throw;
            }
        }
    }

    private ulong Add(ulong session, CKS state, HsmObject obj)
    {
        AccessRules.CheckWrite(state, obj.IsToken, obj.IsPrivate);
        if (obj.IsToken)
        {
            _store.AddObject(Seal(obj));
            WroteObject();
        }
        ulong handle = HandleOf(obj.Uid);
        Put(new ObjectEntry(handle, obj, obj.IsToken ? 0 : session, false));
        if (!obj.IsToken) _sessionsWithObjects.Add(session);
        return handle;
    }

    public void DestroyObject(CKS state, ulong handle)
    {
        lock (Sync)
        {
            RefreshLocked();
            var entry = Visible(handle, state, CKR.CKR_OBJECT_HANDLE_INVALID);
            AccessRules.CheckWrite(state, entry.Object.IsToken, entry.Object.IsPrivate);
            CkrException.ThrowIf(!entry.Object.IsDestroyable, CKR.CKR_ACTION_PROHIBITED, "CKA_DESTROYABLE is false");
            bool wasStored = !entry.Object.IsToken || _store.DeleteObject(entry.Object.Uid);
            if (entry.Object.IsToken && wasStored) WroteObject();
            Forget(entry);
            CkrException.ThrowIf(!wasStored, CKR.CKR_OBJECT_HANDLE_INVALID, "another process destroyed the object first");
        }
    }

    public void SetAttributeValue(CKS state, ulong handle, Template template)
    {
        lock (Sync)
        {
            RefreshLocked();
            var entry = Visible(handle, state, CKR.CKR_OBJECT_HANDLE_INVALID);
            AccessRules.CheckWrite(state, entry.Object.IsToken, entry.Object.IsPrivate);
            CkrException.ThrowIf(entry.SecretPending, CKR.CKR_USER_NOT_LOGGED_IN, "the key material needs a login to open");
            var changed = ObjectEngine.SetAttributes(entry.Object, template, Context);
            if (changed.IsToken && !_store.ReplaceObject(Seal(changed)))
            {
                Forget(entry);
                throw new CkrException(CKR.CKR_OBJECT_HANDLE_INVALID, "another process destroyed the object");
            }
            entry.Object = changed;
            _index.Put(entry);
            if (changed.IsToken) WroteObject();
        }
    }

    public ulong GetObjectSize(CKS state, ulong handle)
    {
        lock (Sync)
        {
            RefreshLocked();
            return ObjectEngine.Size(Visible(handle, state, CKR.CKR_OBJECT_HANDLE_INVALID).Object);
        }
    }

    public AttributeRead[] GetAttributeValue(CKS state, ulong handle, IReadOnlyList<CKA> types)
    {
        ObjectEntry entry;
        lock (Sync)
        {
            RefreshLocked();
            entry = Visible(handle, state, CKR.CKR_OBJECT_HANDLE_INVALID);
        }
        var obj = entry.Object;
        var result = new AttributeRead[types.Count];
        for (int i = 0; i < types.Count; i++)
        {
            result[i] = entry.SecretPending && ObjectEngine.IsSecret(obj, types[i])
                ? new AttributeRead(types[i], AttributeReadStatus.Sensitive, null)
                : ObjectEngine.Read(obj, types[i]);
        }
        return result;
    }

    /// <summary>The handles of the visible objects matching <paramref name="template"/>, in handle order.
    /// A template with a non-empty CKA_LABEL or CKA_ID tests only the objects the index files under that
    /// value; any other template tests every object.</summary>
    public ulong[] Find(CKS state, Template template)
    {
        lock (Sync)
        {
            RefreshLocked();
            if (_index.Candidates(template) is { } candidates)
                return Matching(candidates, state, template);
        }
        return Matching(_objects.Values, state, template);
    }

    private static ulong[] Matching(IEnumerable<ObjectEntry> entries, CKS state, Template template) =>
        [.. entries
            .Where(e => AccessRules.CanRead(state, e.Object.IsPrivate) && ObjectEngine.Matches(e.Object, template))
            .Select(e => e.Handle)
            .Order()];

    /// <summary>A session closed: its session objects go with it.</summary>
    public void DropSessionObjects(ulong session)
    {
        lock (Sync)
        {
            // Most sessions make no session objects: closing them must not scan every object.
            if (!_sessionsWithObjects.Remove(session)) return;
            foreach (var (_, entry) in _objects)
                if (entry.OwnerSession == session) Forget(entry);
        }
    }

    /// <summary>The stored form of a token object: secret and private parts sealed under the token key.</summary>
    private ObjectRecord Seal(HsmObject obj)
    {
        bool hasSecret = obj.Attributes.Keys.Any(type => ObjectEngine.IsSecret(obj, type));
        CkrException.ThrowIf((hasSecret || obj.IsPrivate) && _tokenKey is null, CKR.CKR_USER_NOT_LOGGED_IN,
            "storing key material needs the token key, which a login opens");
        return ObjectSealer.Seal(obj.Uid, obj.IsPrivate, obj.Attributes, type => ObjectEngine.IsSecret(obj, type), _tokenKey);
    }
}
