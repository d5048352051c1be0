using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Rsa;

/// <summary>
/// RSA encryption or decryption: single-part only (§6.1 footnote 1), so C_EncryptUpdate/C_DecryptUpdate and
/// their Final get <see cref="SinglePartOnly"/>'s answer. Lengths come from the scheme, which
/// checks the input length first.
/// </summary>
internal sealed class RsaCipherOperation(RsaKey key, IRsaEncryptionScheme scheme, bool encrypt, bool usesPrivateObject) : ICipherOperation
{
    public bool UsesPrivateObject => usesPrivateObject;

    public int OneShotLength(int inputLength) =>
        encrypt ? scheme.EncryptedLength(key, inputLength) : scheme.DecryptedLength(key, inputLength);

    public int OneShot(ReadOnlySpan<byte> input, Span<byte> output)
    {
        OneShotLength(input.Length);
        return encrypt ? scheme.Encrypt(key, input, output) : scheme.Decrypt(key, input, output);
    }

    public int UpdateLength(int inputLength) => throw SinglePart();

    public int FinalLength() => throw SinglePart();

    public int Update(ReadOnlySpan<byte> input, Span<byte> output) => throw SinglePart();

    public int Final(Span<byte> output) => throw SinglePart();

    private static CkrException SinglePart() => SinglePartOnly.Refusal("RSA encryption");

    public void Dispose()
    {
    }
}
