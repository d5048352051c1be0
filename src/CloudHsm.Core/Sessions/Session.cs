using CloudHsm.Core.Tokens;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Sessions;

/// <summary>A session: its token, its R/W flag and its operation slots. <see cref="Sync"/> serialises the
/// calls on one session (an application may share a session between threads); it is the only lock a
/// cryptographic call takes.</summary>
internal sealed class Session(ulong handle, Token token, bool readWrite)
{
    public ulong Handle { get; } = handle;

    public Token Token { get; } = token;

    public bool ReadWrite { get; } = readWrite;

    public object Sync { get; } = new();

    public SessionOperations Operations { get; } = new();

    public CKS State => Token.StateFor(ReadWrite);

    public ulong Flags => CKF.CKF_SERIAL_SESSION | (ReadWrite ? CKF.CKF_RW_SESSION : 0);
}

/// <summary>C_FindObjects state: the matching handles, taken at C_FindObjectsInit.</summary>
internal sealed class FindOperation(ulong[] handles) : Mechanisms.IOperation
{
    private int _next;

    public bool UsesPrivateObject => false;

    public int Next(Span<ulong> output)
    {
        int count = Math.Min(output.Length, handles.Length - _next);
        handles.AsSpan(_next, count).CopyTo(output);
        _next += count;
        return count;
    }

    public void Dispose()
    {
    }
}
