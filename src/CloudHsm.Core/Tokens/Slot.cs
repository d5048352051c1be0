using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CloudHsm.Core.Tokens;

/// <summary>
/// A slot: one per initialised token, plus one uninitialised slot offered for C_InitToken (as SoftHSM
/// does). A slot's id derives from the serial of the token it holds — or, for the uninitialised slot,
/// the serial its token will get — so the same token has the same slot id in every process.
/// </summary>
internal sealed class Slot
{
    public ulong Id { get; }

    public string Serial { get; }

    /// <summary>Null while the slot waits for C_InitToken.</summary>
    public Token? Token { get; set; }

    public Slot(string serial, Token? token)
    {
        Serial = serial;
        Id = IdFor(serial);
        Token = token;
    }

    /// <summary>31 bits of SHA-256 of the serial: stable, fits a 32-bit CK_ULONG, never 0.</summary>
    public static ulong IdFor(string serial)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.ASCII.GetBytes(serial), hash);
        ulong id = BinaryPrimitives.ReadUInt32BigEndian(hash) & 0x7FFF_FFFF;
        return id == 0 ? 1 : id;
    }

    /// <summary>16 upper-case hex digits, the CK_TOKEN_INFO serialNumber.</summary>
    public static string NewSerial() => Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
}
