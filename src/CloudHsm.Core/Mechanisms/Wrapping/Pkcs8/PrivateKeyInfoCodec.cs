using System.Formats.Asn1;
using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Wrapping.Pkcs8;

/// <summary>
/// Unwrapping a private key (§6.7): parse the PrivateKeyInfo, check that its algorithm is the template's
/// key type, and hand the inner key to its type's codec. Bytes that do not parse are
/// CKR_WRAPPED_KEY_INVALID; a parsed key of another type is CKR_TEMPLATE_INCONSISTENT.
/// </summary>
internal static class PrivateKeyInfoCodec
{
    public static Dictionary<CKA, byte[]> Decode(ReadOnlySpan<byte> plaintext, CKK expected)
    {
        byte[] copy = plaintext.ToArray(); // the reader needs memory it can hold on to
        PrivateKeyInfo? info = null;
        try
        {
            info = Parse(() => PrivateKeyInfo.Read(copy));
            var actual = KeyTypeOf(info.Algorithm);
            CkrException.ThrowIf(actual != expected, CKR.CKR_TEMPLATE_INCONSISTENT,
                $"the wrapped key is a {actual?.ToString() ?? info.Algorithm} key, the template says {expected}");
            return Parse(() => actual switch
            {
                CKK.CKK_RSA => RsaPrivateKeyCodec.Decode(info),
                CKK.CKK_EC => EcPrivateKeyCodec.Decode(info),
                _ => CurvePrivateKeyCodec.Decode(info),
            });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
            info?.Zero();
        }
    }

    private static CKK? KeyTypeOf(string algorithm) => algorithm switch
    {
        Oids.RsaEncryption => CKK.CKK_RSA,
        Oids.EcPublicKey => CKK.CKK_EC,
        Oids.Ed25519 or Oids.Ed448 => CKK.CKK_EC_EDWARDS,
        Oids.X25519 or Oids.X448 => CKK.CKK_EC_MONTGOMERY,
        _ => null,
    };

    private static T Parse<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (AsnContentException e)
        {
            throw new CkrException(CKR.CKR_WRAPPED_KEY_INVALID, "the unwrapped bytes are not a PKCS#8 private key", e);
        }
    }
}
