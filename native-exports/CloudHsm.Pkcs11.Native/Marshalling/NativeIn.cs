using System.Runtime.CompilerServices;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Marshalling;

/// <summary>
/// Checks caller pointers and lengths before any span is made (STYLE 6.4): a length without a
/// buffer is CKR_ARGUMENTS_BAD, a zero length is an empty span whatever the pointer (some callers
/// pass NULL with 0), and a length that does not fit an int is CKR_ARGUMENTS_BAD. Spans over caller
/// memory live for the call only; the backend receives them as ReadOnlySpan and cannot keep them.
/// </summary>
internal static unsafe class NativeIn
{
    public static ReadOnlySpan<byte> Bytes(byte* p, CK_ULONG length) => Writable(p, length);

    /// <summary>A caller buffer that the call fills completely (C_GenerateRandom).</summary>
    public static Span<byte> Writable(byte* p, CK_ULONG length)
    {
        int n = Length(length);
        if (n == 0)
            return [];
        if (p == null)
            throw new CkrException(CKR.CKR_ARGUMENTS_BAD, "buffer is NULL but its length is not 0");
        return new Span<byte>(p, n);
    }

    /// <summary>A caller length as an int, or CKR_ARGUMENTS_BAD.</summary>
    public static int Length(CK_ULONG length) =>
        length <= int.MaxValue ? (int)length : throw new CkrException(CKR.CKR_ARGUMENTS_BAD, $"length {length} is too large");

    /// <summary>An out-parameter the function must write (phSession, pInfo, ...).</summary>
    public static T* Out<T>(T* p, [CallerArgumentExpression(nameof(p))] string name = "") where T : unmanaged =>
        p != null ? p : throw new CkrException(CKR.CKR_ARGUMENTS_BAD, $"{name} is NULL");

    /// <summary>A caller CK_ULONG that names a 32-bit enumeration (CKU, CKM): a wider value cannot be
    /// one of its members, so it gets the function's "invalid" code (STYLE 6.4).</summary>
    public static uint Enum32(CK_ULONG value, CKR invalid) =>
        (ulong)value <= uint.MaxValue ? (uint)value : throw new CkrException(invalid, $"0x{(ulong)value:X} is out of range");
}
