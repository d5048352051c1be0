using System.Runtime.InteropServices;
using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.LowLevelAPI80;

namespace CloudHsm.Pkcs11.Tests.Infrastructure;

/// <summary>
/// One attribute of a template, as raw bytes in the linux-x64 encoding (CK_ULONG is 8 bytes little-endian,
/// CK_BBOOL 1 byte). Raw bytes let the tests send malformed values (wrong widths) as easily as good ones.
/// </summary>
public readonly record struct Attr(ulong Type, byte[]? Value)
{
    public static Attr Class(CKO value) => ULong(CKA.CKA_CLASS, (ulong)value);
    public static Attr KeyType(CKK value) => ULong(CKA.CKA_KEY_TYPE, (ulong)value);
    public static Attr Bool(CKA type, bool value) => new((ulong)type, [value ? (byte)1 : (byte)0]);
    public static Attr ULong(CKA type, ulong value) => new((ulong)type, BitConverter.GetBytes(value));
    public static Attr Bytes(CKA type, byte[] value) => new((ulong)type, value);
    public static Attr Utf8(CKA type, string value) => new((ulong)type, Encoding.UTF8.GetBytes(value));
    public static Attr Token(bool value) => Bool(CKA.CKA_TOKEN, value);
    public static Attr Private(bool value) => Bool(CKA.CKA_PRIVATE, value);
    public static Attr Label(string value) => Utf8(CKA.CKA_LABEL, value);

    public override string ToString() => $"{Names.Attribute(Type)}[{Value?.Length.ToString() ?? "null"}]";
}

/// <summary>
/// A CK_ATTRIBUTE[] whose values live in native memory owned by this object (freed on Dispose).
/// Entries can also be created with a NULL pValue and a chosen length, as C_GetAttributeValue's
/// size query needs.
/// </summary>
public sealed class NativeTemplate : IDisposable
{
    public CK_ATTRIBUTE[] Attributes { get; }

    public NativeTemplate(IReadOnlyList<Attr> attrs)
    {
        Attributes = new CK_ATTRIBUTE[attrs.Count];
        for (int i = 0; i < attrs.Count; i++)
        {
            Attributes[i].type = attrs[i].Type;
            byte[]? v = attrs[i].Value;
            if (v is null || v.Length == 0)
            {
                Attributes[i].value = IntPtr.Zero;
                Attributes[i].valueLen = 0;
            }
            else
            {
                Attributes[i].value = Marshal.AllocHGlobal(v.Length);
                Marshal.Copy(v, 0, Attributes[i].value, v.Length);
                Attributes[i].valueLen = (ulong)v.Length;
            }
        }
    }

    /// <summary>A read template: each entry gets a zeroed buffer of <paramref name="bufferLength"/> bytes (0: NULL pValue).</summary>
    public static NativeTemplate ForRead(IEnumerable<ulong> types, int bufferLength)
    {
        var list = types.Select(t => new Attr(t, bufferLength == 0 ? null : new byte[bufferLength])).ToList();
        return new NativeTemplate(list);
    }

    public static NativeTemplate ForRead(params CKA[] types) => ForRead(types.Select(t => (ulong)t), 0);

    public ulong Count => (ulong)Attributes.Length;

    /// <summary>The first <c>ulValueLen</c> bytes of entry <paramref name="i"/> (call after a successful read).</summary>
    public byte[] ValueOf(int i)
    {
        CK_ATTRIBUTE a = Attributes[i];
        if (a.value == IntPtr.Zero || a.valueLen == Ck.UnavailableInformation) return [];
        var bytes = new byte[checked((int)a.valueLen)];
        Marshal.Copy(a.value, bytes, 0, bytes.Length);
        return bytes;
    }

    /// <summary>Gives entry <paramref name="i"/> a fresh zeroed buffer of the given length.</summary>
    public void Allocate(int i, int length)
    {
        if (Attributes[i].value != IntPtr.Zero) Marshal.FreeHGlobal(Attributes[i].value);
        Attributes[i].value = length == 0 ? IntPtr.Zero : Marshal.AllocHGlobal(length);
        if (length > 0) Marshal.Copy(new byte[length], 0, Attributes[i].value, length);
        Attributes[i].valueLen = (ulong)length;
    }

    public void Dispose()
    {
        for (int i = 0; i < Attributes.Length; i++)
        {
            if (Attributes[i].value != IntPtr.Zero)
            {
                Marshal.FreeHGlobal(Attributes[i].value);
                Attributes[i].value = IntPtr.Zero;
            }
        }
    }
}
