using System.Security.Cryptography;

namespace CloudHsm.Cli.Pins;

/// <summary>A PIN as UTF-8 bytes; zeroed on dispose.</summary>
internal sealed class PinValue(byte[] utf8) : IDisposable
{
    public byte[] Bytes { get; } = utf8;

    public void Dispose() => CryptographicOperations.ZeroMemory(Bytes);
}
