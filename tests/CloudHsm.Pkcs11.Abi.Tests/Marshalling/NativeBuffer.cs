using System.Runtime.InteropServices;

namespace CloudHsm.Pkcs11.Abi.Tests.Marshalling;

/// <summary>Zeroed native memory standing in for a C caller's buffers; freed at the end of the test.</summary>
internal sealed unsafe class NativeBuffer : IDisposable
{
    private readonly List<nint> _blocks = [];

    public T* Alloc<T>(int count = 1) where T : unmanaged
    {
        var p = NativeMemory.AllocZeroed((nuint)(sizeof(T) * Math.Max(count, 1)));
        _blocks.Add((nint)p);
        return (T*)p;
    }

    public byte* Bytes(params byte[] value)
    {
        var p = Alloc<byte>(value.Length);
        value.CopyTo(new Span<byte>(p, value.Length));
        return p;
    }

    public CK_ULONG* ULong(ulong value)
    {
        var p = Alloc<CK_ULONG>();
        *p = (CK_ULONG)value;
        return p;
    }

    public void Dispose()
    {
        foreach (var p in _blocks)
            NativeMemory.Free((void*)p);
    }
}
