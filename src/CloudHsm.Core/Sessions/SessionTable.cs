using System.Collections.Concurrent;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Tokens;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Sessions;

/// <summary>The open sessions of the application, by handle.</summary>
internal sealed class SessionTable
{
    private readonly ConcurrentDictionary<ulong, Session> _sessions = new();

    public Session Get(ulong handle) =>
        _sessions.TryGetValue(handle, out var session)
            ? session
            : throw new CkrException(CKR.CKR_SESSION_HANDLE_INVALID, $"no session {handle}");

    public Session Open(Token token, bool readWrite)
    {
        lock (token.Sync)
        {
            CkrException.ThrowIf(!readWrite && token.LoggedIn == CKU.CKU_SO, CKR.CKR_SESSION_READ_WRITE_SO_EXISTS,
                "the SO is logged in: only R/W sessions may open");
            var session = new Session(HandleAllocator.NextSession(), token, readWrite);
            _sessions[session.Handle] = session;
            token.SessionCount++;
            if (readWrite) token.ReadWriteSessionCount++;
            return session;
        }
    }

    public void Close(ulong handle)
    {
        if (!_sessions.TryRemove(handle, out var session))
            throw new CkrException(CKR.CKR_SESSION_HANDLE_INVALID, $"no session {handle}");
        Release(session);
    }

    public void CloseAll(Token token)
    {
        foreach (var session in _sessions.Values.Where(s => s.Token == token))
            if (_sessions.TryRemove(session.Handle, out _))
                Release(session);
    }

    public bool AnyReadOnly(Token token) => _sessions.Values.Any(s => s.Token == token && !s.ReadWrite);

    public bool Any(Token token) => _sessions.Values.Any(s => s.Token == token);

    private static void Release(Session session)
    {
        lock (session.Sync)
        {
            session.Operations.EndAll();
        }
        var token = session.Token;
        token.DropSessionObjects(session.Handle);
        // The count and the logout it may cause are one step: a session opened (and logged in) between
        // them by another thread must not be logged out.
        lock (token.Sync)
        {
            token.SessionCount--;
            if (session.ReadWrite) token.ReadWriteSessionCount--;
            if (token.SessionCount == 0) token.LogoutIfLoggedIn();
        }
    }

    public void Clear()
    {
        foreach (var handle in _sessions.Keys)
            if (_sessions.TryRemove(handle, out var session))
                lock (session.Sync) session.Operations.EndAll();
    }
}
