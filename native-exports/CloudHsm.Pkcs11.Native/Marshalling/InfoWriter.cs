using System.Text;
using CloudHsm.Core.Backend;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Marshalling;

/// <summary>
/// Fills the CK_*_INFO structures. Their strings are UTF-8, blank-padded and never NUL-terminated
/// (PKCS#11 §3.2; pkcs11test checks IS_SPACE_PADDED), so every string goes through <see cref="Pad(ReadOnlySpan{char}, Span{byte})"/>.
/// </summary>
internal static unsafe class InfoWriter
{
    /// <summary>Writes <paramref name="text"/> as UTF-8 into <paramref name="field"/>, cut at a character
    /// boundary if too long, and fills the rest with blanks.</summary>
    public static void Pad(ReadOnlySpan<char> text, Span<byte> field)
    {
        field.Fill((byte)' ');
        var encoder = Encoding.UTF8.GetEncoder();
        // flush: true with a too-small output makes Convert stop at a whole character, never mid-sequence.
        encoder.Convert(text, field, flush: true, out _, out _, out _);
    }

    /// <summary>Copies bytes that are already a field value (a token label), blank-padding a short one.</summary>
    public static void Pad(ReadOnlySpan<byte> value, Span<byte> field)
    {
        field.Fill((byte)' ');
        value[..Math.Min(value.Length, field.Length)].CopyTo(field);
    }

    public static CK_VERSION Version(CkVersion v) => new(v.Major, v.Minor);

    public static void Write(CK_INFO* p, LibraryInfo info)
    {
        *p = default;
        p->cryptokiVersion = Version(info.CryptokiVersion);
        Pad(info.ManufacturerId, new Span<byte>(p->manufacturerID, 32));
        p->flags = 0; // "Bit flags reserved for future versions. Must be zero." (CK_INFO)
        Pad(info.Description, new Span<byte>(p->libraryDescription, 32));
        p->libraryVersion = Version(info.LibraryVersion);
    }

    public static void Write(CK_SLOT_INFO* p, SlotInfo info)
    {
        *p = default;
        Pad(info.Description, new Span<byte>(p->slotDescription, 64));
        Pad(info.ManufacturerId, new Span<byte>(p->manufacturerID, 32));
        p->flags = CkULong.From(info.Flags);
        p->hardwareVersion = Version(info.HardwareVersion);
        p->firmwareVersion = Version(info.FirmwareVersion);
    }

    public static void Write(CK_TOKEN_INFO* p, TokenInfo info)
    {
        *p = default;
        Pad(info.Label, new Span<byte>(p->label, 32));
        Pad(info.ManufacturerId, new Span<byte>(p->manufacturerID, 32));
        Pad(info.Model, new Span<byte>(p->model, 16));
        Pad(info.SerialNumber, new Span<byte>(p->serialNumber, 16));
        p->flags = CkULong.From(info.Flags);
        // CkULong.From maps TokenInfo.Unavailable to the platform's CK_UNAVAILABLE_INFORMATION.
        p->ulMaxSessionCount = CkULong.From(info.MaxSessionCount);
        p->ulSessionCount = CkULong.From(info.SessionCount);
        p->ulMaxRwSessionCount = CkULong.From(info.MaxRwSessionCount);
        p->ulRwSessionCount = CkULong.From(info.RwSessionCount);
        p->ulMaxPinLen = CkULong.From(info.MaxPinLen);
        p->ulMinPinLen = CkULong.From(info.MinPinLen);
        p->ulTotalPublicMemory = CkULong.From(info.TotalPublicMemory);
        p->ulFreePublicMemory = CkULong.From(info.FreePublicMemory);
        p->ulTotalPrivateMemory = CkULong.From(info.TotalPrivateMemory);
        p->ulFreePrivateMemory = CkULong.From(info.FreePrivateMemory);
        p->hardwareVersion = Version(info.HardwareVersion);
        p->firmwareVersion = Version(info.FirmwareVersion);
        Pad(info.UtcTime, new Span<byte>(p->utcTime, 16));
    }

    public static void Write(CK_SESSION_INFO* p, SessionInfo info)
    {
        p->slotID = CkULong.From(info.SlotId);
        p->state = (CK_STATE)(uint)info.State;
        p->flags = CkULong.From(info.Flags);
        p->ulDeviceError = CkULong.From(info.DeviceError);
    }

    public static void Write(CK_MECHANISM_INFO* p, MechanismInfo info)
    {
        p->ulMinKeySize = CkULong.From(info.MinKeySize);
        p->ulMaxKeySize = CkULong.From(info.MaxKeySize);
        p->flags = CkULong.From(info.Flags);
    }
}
