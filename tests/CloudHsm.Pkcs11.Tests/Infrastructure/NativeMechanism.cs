using System.Runtime.InteropServices;
using Net.Pkcs11Interop.LowLevelAPI80;

namespace CloudHsm.Pkcs11.Tests.Infrastructure;

/// <summary>
/// A CK_MECHANISM whose parameter (and any buffers the parameter points to) lives in native memory owned
/// by this object. Parameters are written in the linux-x64 layout (8-byte CK_ULONG and pointers).
/// </summary>
public sealed class NativeMechanism : IDisposable
{
    private readonly List<IntPtr> _allocations = new();
    public CK_MECHANISM Value;

    public NativeMechanism(ulong type) => Value = new CK_MECHANISM { Mechanism = type, Parameter = IntPtr.Zero, ParameterLen = 0 };

    /// <summary>Copies bytes to native memory (kept until Dispose) and returns the pointer.</summary>
    public IntPtr Pin(byte[] bytes)
    {
        if (bytes.Length == 0) return IntPtr.Zero;
        IntPtr p = Marshal.AllocHGlobal(bytes.Length);
        Marshal.Copy(bytes, 0, p, bytes.Length);
        _allocations.Add(p);
        return p;
    }

    /// <summary>Sets the parameter to a structure of 8-byte fields (CK_ULONG values or pointers).</summary>
    public NativeMechanism WithFields(params ulong[] fields)
    {
        byte[] bytes = fields.SelectMany(BitConverter.GetBytes).ToArray();
        Value.Parameter = Pin(bytes);
        Value.ParameterLen = (ulong)bytes.Length;
        return this;
    }

    public NativeMechanism WithBytes(byte[] parameter)
    {
        Value.Parameter = Pin(parameter);
        Value.ParameterLen = (ulong)parameter.Length;
        return this;
    }

    public void Dispose()
    {
        foreach (IntPtr p in _allocations) Marshal.FreeHGlobal(p);
        _allocations.Clear();
    }
}
