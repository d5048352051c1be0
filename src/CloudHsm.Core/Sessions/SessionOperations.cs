using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Sessions;

/// <summary>
/// A session's operation slots and the one implementation of their life cycle (STYLE 6.9): an
/// operation ends — and is disposed — when its one-shot or final call succeeds or fails with anything
/// but a size answer, when it is cancelled, when the session closes, and (lazily, on next use) when the
/// user who started an operation on a private object has logged out. Callers hold the session lock.
/// </summary>
internal sealed class SessionOperations
{
    private static readonly OperationKind[] Kinds = Enum.GetValues<OperationKind>();

    private readonly IOperation?[] _slots = new IOperation?[Kinds.Length];
    private readonly long[] _loginEpochs = new long[Kinds.Length];

    /// <summary>Whether an operation of <paramref name="kind"/> is active. One that used a private object under a
    /// login that has ended since is not: it is ended here, as <see cref="Get{T}"/> would end it, so that *Init does
    /// not answer CKR_OPERATION_ACTIVE for an operation the next call reports as not initialised.</summary>
    public bool IsActive(OperationKind kind, long currentLoginEpoch)
    {
        if (IsVoid(kind, currentLoginEpoch))
            End(kind);
        return _slots[(int)kind] is not null;
    }

    /// <summary>Any operation but a search.</summary>
    public bool AnyCryptographic(long currentLoginEpoch) =>
        Array.Exists(Kinds, k => k != OperationKind.Find && IsActive(k, currentLoginEpoch));

    public void Start(OperationKind kind, IOperation operation, long loginEpoch)
    {
        if (IsActive(kind, loginEpoch))
        {
            operation.Dispose();
            throw new CkrException(CKR.CKR_OPERATION_ACTIVE, $"a {kind} operation is already active");
        }
        _slots[(int)kind] = operation;
        _loginEpochs[(int)kind] = loginEpoch;
    }

    /// <summary>The active operation of <paramref name="kind"/>; CKR_OPERATION_NOT_INITIALIZED if none, or if
    /// it used a private object and the login it started under has ended since.</summary>
    public T Get<T>(OperationKind kind, long currentLoginEpoch) where T : class, IOperation
    {
        if (IsVoid(kind, currentLoginEpoch))
            End(kind);
        return _slots[(int)kind] as T ?? throw new CkrException(CKR.CKR_OPERATION_NOT_INITIALIZED, $"no {kind} operation is active");
    }

    /// <summary>It used a private object, and the login it started under has ended (C_Logout voids it).</summary>
    private bool IsVoid(OperationKind kind, long currentLoginEpoch) =>
        _slots[(int)kind] is { UsesPrivateObject: true } && _loginEpochs[(int)kind] != currentLoginEpoch;

    public void End(OperationKind kind)
    {
        var operation = _slots[(int)kind];
        _slots[(int)kind] = null;
        operation?.Dispose();
    }

    public void EndAll()
    {
        foreach (var kind in Kinds)
            End(kind);
    }

    /// <summary>Runs a call that produces variable-length output under the size-query convention
    /// (ICryptokiBackend remarks). <paramref name="ends"/>: a one-shot or final call, which ends the
    /// operation unless it answered a size.</summary>
    public int Produce<TOp>(OperationKind kind, long loginEpoch, ReadOnlySpan<byte> input, Span<byte> output, bool sizeQuery,
        bool ends, Func<TOp, int, int> requiredLength, ProduceStep<TOp> step) where TOp : class, IOperation
    {
        var operation = Get<TOp>(kind, loginEpoch);
        try
        {
            int required = requiredLength(operation, input.Length);
            if (sizeQuery) return required;
            if (output.Length < required) throw new BufferTooSmallException(required);
            int written = step(operation, input, output);
            if (ends) End(kind);
            return written;
        }
        catch (BufferTooSmallException)
        {
            throw;
        }
        catch
        {
            End(kind);
            throw;
        }
    }

    /// <summary>Runs a call without output (C_DigestUpdate, C_Verify …); any failure ends the operation.</summary>
    public void Consume<TOp>(OperationKind kind, long loginEpoch, ReadOnlySpan<byte> input, bool ends, ConsumeStep<TOp> step)
        where TOp : class, IOperation
    {
        var operation = Get<TOp>(kind, loginEpoch);
        try
        {
            step(operation, input);
        }
        catch
        {
            End(kind);
            throw;
        }
        if (ends) End(kind);
    }
}

internal delegate int ProduceStep<in TOp>(TOp operation, ReadOnlySpan<byte> input, Span<byte> output);

internal delegate void ConsumeStep<in TOp>(TOp operation, ReadOnlySpan<byte> input);
