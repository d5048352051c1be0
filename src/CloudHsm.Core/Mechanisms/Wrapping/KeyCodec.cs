using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Wrapping.Pkcs8;
using CloudHsm.Core.Objects;
using CloudHsm.Core.Objects.Tables;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Wrapping;

/// <summary>What a key recovered from its wrapped form is: its class, key type and key material.</summary>
public sealed record DecodedKey(CKO Class, CKK KeyType, Dictionary<CKA, byte[]> Values);

/// <summary>
/// What a wrapped key's plaintext is, both ways: a secret key is its CKA_VALUE; a private key is a PKCS#8
/// PrivateKeyInfo (§6.7) — RSA (PKCS#1), EC (RFC 5915), Ed25519/Ed448 and X25519/X448 (RFC 8410).
/// Public keys are not wrapped (§5.18 wraps secret and private keys only). Any wrapping scheme uses this,
/// so a key wrapped by one mechanism unwraps by another that recovers the same bytes.
/// </summary>
public static class KeyCodec
{
    /// <summary>The plaintext to encrypt; the caller zeroes it after use.</summary>
    public static byte[] Encode(HsmObject key) => key.Class switch
    {
        CKO.CKO_SECRET_KEY => key.TryGetValue(CKA.CKA_VALUE, out var value) && value.Length > 0
            ? value.ToArray()
            : throw new CkrException(CKR.CKR_KEY_NOT_WRAPPABLE, "the secret key has no value"),
        CKO.CKO_PRIVATE_KEY => key.KeyType switch
        {
            CKK.CKK_RSA => RsaPrivateKeyCodec.Encode(key),
            CKK.CKK_EC => EcPrivateKeyCodec.Encode(key),
            CKK.CKK_EC_EDWARDS or CKK.CKK_EC_MONTGOMERY => CurvePrivateKeyCodec.Encode(key),
            var other => throw new CkrException(CKR.CKR_KEY_NOT_WRAPPABLE, $"{other} private keys have no PKCS#8 form here"),
        },
        CKO.CKO_PUBLIC_KEY => throw new CkrException(CKR.CKR_KEY_NOT_WRAPPABLE, "public keys are not wrapped"),
        _ => throw new CkrException(CKR.CKR_KEY_HANDLE_INVALID, "the object is not a key"),
    };

    /// <summary>
    /// The key in <paramref name="plaintext"/>, as the unwrap <paramref name="template"/> (CKA_CLASS and
    /// CKA_KEY_TYPE, both required) says it is. Bytes that are no key of that kind are
    /// CKR_WRAPPED_KEY_INVALID; a private key of another type than the template's is
    /// CKR_TEMPLATE_INCONSISTENT (§6.7: "its type does not match the key type specified in the template").
    /// The caller zeroes the values after use (<see cref="Zero"/>).
    /// </summary>
    public static DecodedKey Decode(ReadOnlySpan<byte> plaintext, Template template)
    {
        var objectClass = (CKO)Required(template, CKA.CKA_CLASS);
        var keyType = (CKK)Required(template, CKA.CKA_KEY_TYPE);
        var values = objectClass switch
        {
            CKO.CKO_SECRET_KEY => SecretValue(plaintext, keyType, template),
            CKO.CKO_PRIVATE_KEY => PrivateKeyInfoCodec.Decode(plaintext, keyType),
            _ => throw new CkrException(CKR.CKR_TEMPLATE_INCONSISTENT, $"{objectClass} objects are not unwrapped"),
        };
        return new DecodedKey(objectClass, keyType, values);
    }

    public static void Zero(Dictionary<CKA, byte[]>? values)
    {
        if (values is null) return;
        foreach (var value in values.Values)
            CryptographicOperations.ZeroMemory(value);
    }

    private static ulong Required(Template template, CKA type)
    {
        var value = template.Find(type)
            ?? throw new CkrException(CKR.CKR_TEMPLATE_INCOMPLETE, $"the unwrap template needs {AttributeCatalog.Name(type)}");
        return AttributeValues.ToULong(type, value);
    }

    /// <summary>
    /// A secret key's value. A padding-free cipher (AES key wrap without padding, CloudHSM's zero-padding
    /// variant, ECB) returns the key followed by the zero bytes the wrapper added, so CKA_VALUE_LEN in the
    /// template says where the key ends. Anything else — a length the key type does not allow, a
    /// CKA_VALUE_LEN beyond the plaintext, non-zero bytes past it — is a length conflict (§5.18
    /// C_UnwrapKey): CKR_WRAPPED_KEY_LEN_RANGE.
    /// </summary>
    private static Dictionary<CKA, byte[]> SecretValue(ReadOnlySpan<byte> plaintext, CKK keyType, Template template)
    {
        var schema = ObjectSchemas.Resolve(CKO.CKO_SECRET_KEY, (ulong)keyType);
        int length = plaintext.Length;
        if (template.Find(CKA.CKA_VALUE_LEN) is { } valueLen)
        {
            ulong wanted = AttributeValues.ToULong(CKA.CKA_VALUE_LEN, valueLen);
            CkrException.ThrowIf(wanted > (ulong)plaintext.Length || plaintext[(int)wanted..].ContainsAnyExcept((byte)0),
                CKR.CKR_WRAPPED_KEY_LEN_RANGE, $"CKA_VALUE_LEN {wanted} does not fit the {plaintext.Length} unwrapped bytes");
            length = (int)wanted;
        }
        CkrException.ThrowIf(!schema.AllowsLength(CKA.CKA_VALUE, length), CKR.CKR_WRAPPED_KEY_LEN_RANGE,
            $"{length} bytes is not a valid length for {schema.Name}");
        return new Dictionary<CKA, byte[]> { [CKA.CKA_VALUE] = plaintext[..length].ToArray() };
    }
}
