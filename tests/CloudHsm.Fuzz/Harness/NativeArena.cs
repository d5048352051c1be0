using System.Runtime.InteropServices;

namespace CloudHsm.Fuzz.Harness;

/// <summary>
/// Native memory for the CK_* structures one input builds, freed together when the input is done.
/// Every block is zeroed and really as long as the length the structure gives for it: a parser that
/// reads within the lengths it was handed never touches memory outside the arena.
/// </summary>
internal sealed unsafe class NativeArena : IDisposable
{
    private readonly List<nint> _blocks = [];

    public T* Alloc<T>(int count = 1, int extraBytes = 0) where T : unmanaged =>
        (T*)Alloc(checked(sizeof(T) * count + extraBytes));

    public byte* Alloc(int bytes)
    {
        var p = (byte*)NativeMemory.AllocZeroed((nuint)Math.Max(bytes, 1));
        _blocks.Add((nint)p);
        return p;
    }

    public byte* Copy(ReadOnlySpan<byte> bytes)
    {
        byte* p = Alloc(bytes.Length);
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        return p;
    }

    public void Dispose()
    {
        foreach (nint p in _blocks)
            NativeMemory.Free((void*)p);
        _blocks.Clear();
    }
}
