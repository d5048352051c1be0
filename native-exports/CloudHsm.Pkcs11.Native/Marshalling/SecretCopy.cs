using System.Security.Cryptography;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Marshalling;

/// <summary>
/// A managed copy of a PIN (or other secret input) that is zeroed when the call ends: the core
/// never sees caller memory, and the copy does not linger in the managed heap (STYLE 6.4).
/// Use with <c>using var pin = SecretCopy.Of(pPin, ulPinLen);</c>.
/// </summary>
internal readonly unsafe ref struct SecretCopy
{
    private readonly byte[] _bytes;

    private SecretCopy(byte[] bytes) => _bytes = bytes;

    public static SecretCopy Of(byte* p, CK_ULONG length) => new(NativeIn.Bytes(p, length).ToArray());

    public ReadOnlySpan<byte> Span => _bytes;

    public void Dispose() => CryptographicOperations.ZeroMemory(_bytes);
}
