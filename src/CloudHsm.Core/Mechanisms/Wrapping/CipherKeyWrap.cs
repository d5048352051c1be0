using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Wrapping;

/// <summary>
/// A cipher used as a key wrapper (§5.18): wrapping is a one-shot encryption of the key's serialised
/// form (<see cref="KeyCodec"/>) under the wrapping key, unwrapping the one-shot decryption and a new
/// object built from what it yields. The cipher's C_Encrypt/C_Decrypt codes become C_WrapKey/C_UnwrapKey
/// codes (<see cref="WrapErrors"/>). Plaintext key bytes are zeroed as soon as the cipher is done with them.
/// </summary>
internal sealed class CipherKeyWrap(ICipherMechanism cipher) : IWrapMechanism
{
    public MechanismInfo Info => cipher.Info;

    public int WrappedLength(Mechanism mechanism, HsmObject wrappingKey, HsmObject key)
    {
        byte[] plaintext = KeyCodec.Encode(key);
        try
        {
            using var encryptor = CreateEncryptor(mechanism, wrappingKey);
            try
            {
                return encryptor.OneShotLength(plaintext.Length);
            }
            catch (CkrException e)
            {
                throw WrapErrors.ForKeyData(e);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public int Wrap(Mechanism mechanism, HsmObject wrappingKey, HsmObject key, Span<byte> output)
    {
        byte[] plaintext = KeyCodec.Encode(key);
        try
        {
            using var encryptor = CreateEncryptor(mechanism, wrappingKey);
            try
            {
                return encryptor.OneShot(plaintext, output);
            }
            catch (CkrException e)
            {
                throw WrapErrors.ForKeyData(e);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public HsmObject Unwrap(Mechanism mechanism, HsmObject unwrappingKey, ReadOnlySpan<byte> wrapped, Template template,
        ObjectContext context)
    {
        byte[] plaintext = Decrypt(mechanism, unwrappingKey, wrapped, out int length);
        Dictionary<CKA, byte[]>? values = null;
        try
        {
            var decoded = KeyCodec.Decode(plaintext.AsSpan(0, length), template);
            values = decoded.Values;
            return ObjectEngine.Unwrap(decoded.Class, decoded.KeyType, template, values, context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
            KeyCodec.Zero(values);
        }
    }

    private ICipherOperation CreateEncryptor(Mechanism mechanism, HsmObject wrappingKey)
    {
        try
        {
            return cipher.CreateEncryptor(mechanism, wrappingKey);
        }
        catch (CkrException e)
        {
            throw WrapErrors.ForWrappingKey(e);
        }
    }

    private byte[] Decrypt(Mechanism mechanism, HsmObject unwrappingKey, ReadOnlySpan<byte> wrapped, out int length)
    {
        ICipherOperation decryptor;
        try
        {
            decryptor = cipher.CreateDecryptor(mechanism, unwrappingKey);
        }
        catch (CkrException e)
        {
            throw WrapErrors.ForUnwrappingKey(e);
        }
        using (decryptor)
        {
            byte[]? plaintext = null;
            try
            {
                plaintext = new byte[decryptor.OneShotLength(wrapped.Length)];
                length = decryptor.OneShot(wrapped, plaintext);
                return plaintext;
            }
            catch (CkrException e)
            {
                CryptographicOperations.ZeroMemory(plaintext);
                throw WrapErrors.ForWrappedKey(e);
            }
            catch (CryptographicException e)
            {
                CryptographicOperations.ZeroMemory(plaintext);
                throw WrapErrors.ForWrappedKey(e);
            }
        }
    }
}
