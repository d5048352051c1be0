using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Marshalling;

/// <summary>
/// The two-call convention of PKCS#11 §5.2 for every variable-length output, in one place
/// (STYLE 6.5). The length pointer counts bytes for byte buffers and elements for lists
/// (C_GetSlotList, C_GetMechanismList, C_GetInterfaceList):
/// <list type="table">
/// <item><term>pulLen NULL</term><description>CKR_ARGUMENTS_BAD</description></item>
/// <item><term>buffer NULL</term><description>size query: *pulLen = required, CKR_OK; the operation stays active</description></item>
/// <item><term>*pulLen too small</term><description>*pulLen = required, CKR_BUFFER_TOO_SMALL; the operation stays active</description></item>
/// <item><term>big enough</term><description>write, *pulLen = written, CKR_OK</description></item>
/// </list>
/// Backends report "too small" with <see cref="BufferTooSmallException"/>, which
/// <see cref="Boundary.ToCkr"/> turns into the third row with the same length pointer.
/// </summary>
internal readonly unsafe ref struct OutBuffer
{
    private readonly void* _buffer;
    private readonly CK_ULONG* _pulLen;
    private readonly int _capacity;

    private OutBuffer(void* buffer, CK_ULONG* pulLen)
    {
        if (pulLen == null)
            throw new CkrException(CKR.CKR_ARGUMENTS_BAD, "length pointer is NULL");
        _buffer = buffer;
        _pulLen = pulLen;
        // A caller may claim more room than an int counts; it cannot be given more than int.MaxValue.
        _capacity = buffer == null ? 0 : (int)Math.Min((ulong)*pulLen, int.MaxValue);
    }

    public static OutBuffer ForBytes(byte* pBuf, CK_ULONG* pulLen) => new(pBuf, pulLen);

    public static OutBuffer ForArray<T>(T* pList, CK_ULONG* pulCount) where T : unmanaged => new(pList, pulCount);

    /// <summary>The caller passed a NULL buffer and asks only for the length.</summary>
    public bool IsSizeQuery => _buffer == null;

    /// <summary>The caller's byte buffer (empty for a size query).</summary>
    public Span<byte> Bytes => new(_buffer, _capacity);

    /// <summary>The caller's element array (empty for a size query).</summary>
    public Span<T> Elements<T>() where T : unmanaged => new(_buffer, _capacity);

    /// <summary>The backend wrote (or, for a size query, needs) <paramref name="length"/> units.</summary>
    public CKR Commit(int length)
    {
        *_pulLen = CkULong.From(length);
        return CKR.CKR_OK;
    }

    /// <summary>For answers whose length is known before writing: false, with <paramref name="rv"/>
    /// and *pulLen set, when this is a size query or the buffer is too small.</summary>
    public bool TryReserve(int required, out CKR rv)
    {
        if (IsSizeQuery)
        {
            rv = Commit(required);
            return false;
        }
        if (_capacity < required)
        {
            *_pulLen = CkULong.From(required);
            rv = CKR.CKR_BUFFER_TOO_SMALL;
            return false;
        }
        rv = CKR.CKR_OK;
        return true;
    }

    /// <summary>Delivers a byte answer computed up front (C_GetOperationState).</summary>
    public CKR Deliver(ReadOnlySpan<byte> value)
    {
        if (!TryReserve(value.Length, out var rv))
            return rv;
        value.CopyTo(Bytes);
        return Commit(value.Length);
    }

    /// <summary>Delivers a list of CK_ULONG values (slot ids, mechanism types).</summary>
    public CKR DeliverULongs(IReadOnlyList<ulong> values)
    {
        if (!TryReserve(values.Count, out var rv))
            return rv;
        var destination = Elements<CK_ULONG>();
        for (int i = 0; i < values.Count; i++)
            destination[i] = CkULong.From(values[i]);
        return Commit(values.Count);
    }
}
