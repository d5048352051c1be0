using System.Runtime.InteropServices;
using System.Text;

namespace CloudHsm.Speed;

/// <summary>Unmanaged memory for everything the module reads or writes: buffers, templates,
/// mechanism parameters. It never moves (no pinning in the hot loop), is 64-byte aligned (threads'
/// buffers do not share cache lines) and is freed in one go at exit.</summary>
internal static unsafe class NativeArena
{
    private static readonly List<IntPtr> Blocks = new();
    private static readonly Lock Gate = new();

    public static byte* Alloc(long size)
    {
        var p = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(size, 1), 64);
        NativeMemory.Clear(p, (nuint)Math.Max(size, 1));
        lock (Gate)
            Blocks.Add((IntPtr)p);
        return p;
    }

    public static T* Alloc<T>(int count = 1) where T : unmanaged => (T*)Alloc((long)sizeof(T) * count);

    public static T* Value<T>(T value) where T : unmanaged
    {
        T* p = Alloc<T>();
        *p = value;
        return p;
    }

    public static byte* Bytes(ReadOnlySpan<byte> value)
    {
        byte* p = Alloc(value.Length);
        value.CopyTo(new Span<byte>(p, value.Length));
        return p;
    }

    /// <summary>UTF-8 bytes, not NUL-terminated (PKCS#11 strings carry their length).</summary>
    public static byte* Utf8(string s, out int length)
    {
        byte[] b = Encoding.UTF8.GetBytes(s);
        length = b.Length;
        return Bytes(b);
    }

    public static void Free(void* p)
    {
        lock (Gate)
            Blocks.Remove((IntPtr)p);
        NativeMemory.AlignedFree(p);
    }

    public static void FreeAll()
    {
        lock (Gate)
        {
            foreach (IntPtr p in Blocks)
                NativeMemory.AlignedFree((void*)p);
            Blocks.Clear();
        }
    }

    /// <summary>p11bench's deterministic filler (xorshift32): input content does not matter to speed,
    /// but using the same bytes keeps the two tools' inputs identical.</summary>
    public static void FillPattern(byte* p, long n, uint seed)
    {
        uint x = unchecked(seed * 2654435761u + 1u);
        for (long i = 0; i < n; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            p[i] = (byte)x;
        }
    }
}
