using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Storage.Sealing;

/// <summary>
/// Splits an object's attributes into a plain part and a part sealed under the token key, and back
/// (docs/storage-encryption.md §5):
/// <c>sealed = empty | 0x01 || nonce(12) || AES-256-GCM(tokenKey, AttributeCodec(secret attributes)) || tag(16)</c>,
/// AAD <c>"cloudhsm object v1" || uid(16) || isPrivate(1)</c>.
/// </summary>
public static class ObjectSealer
{
    /// <summary>The first byte of every non-empty sealed part in this version.</summary>
    public const byte SealedVersion = StorageScheme.Version;

    private const int SealedHeader = 1;
    private const int AadLength = 18 + StorageScheme.UidSize + 1; // "cloudhsm object v1" || uid || isPrivate

    /// <summary>
    /// Seals an object for the store. A private object has every attribute sealed and an empty plain list;
    /// a non-private one has the attributes for which <paramref name="isSecret"/> is true sealed and the
    /// others plain, and an empty sealed part when none is secret. <paramref name="tokenKey"/> may be null
    /// only when nothing needs sealing; otherwise <c>CKR_USER_NOT_LOGGED_IN</c>.
    /// </summary>
    public static ObjectRecord Seal(Guid uid, bool isPrivate, IEnumerable<KeyValuePair<CKA, byte[]>> attributes,
        Func<CKA, bool> isSecret, byte[]? tokenKey)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        ArgumentNullException.ThrowIfNull(isSecret);

        var plain = new List<KeyValuePair<CKA, byte[]>>();
        var secret = new List<KeyValuePair<CKA, byte[]>>();
        foreach (var attribute in attributes)
        {
            ArgumentNullException.ThrowIfNull(attribute.Value, nameof(attributes));
            if (!isPrivate && attribute.Key == CKA.CKA_PRIVATE && attribute.Value.AsSpan().ContainsAnyExcept((byte)0))
                throw new ArgumentException("CKA_PRIVATE is true but the object is sealed as non-private", nameof(isPrivate));
            (isPrivate || isSecret(attribute.Key) ? secret : plain).Add(attribute);
        }

        byte[] plainBytes = AttributeCodec.Encode(plain);
        if (!isPrivate && secret.Count == 0)
            return new ObjectRecord(uid, false, plainBytes, []);

        if (tokenKey is null)
            throw new CkrException(CKR.CKR_USER_NOT_LOGGED_IN, "sealing this object needs the token key");
        StorageScheme.CheckTokenKey(tokenKey, nameof(tokenKey));

        byte[] clear = AttributeCodec.Encode(secret);
        try
        {
            var sealedBytes = new byte[SealedHeader + clear.Length + AeadEnvelope.Overhead];
            sealedBytes[0] = SealedVersion;
            Span<byte> aad = stackalloc byte[AadLength];
            WriteAad(aad, uid, isPrivate);
            AeadEnvelope.Seal(tokenKey, clear, aad, sealedBytes.AsSpan(SealedHeader));
            return new ObjectRecord(uid, isPrivate, plainBytes, sealedBytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(clear);
        }
    }

    /// <summary>
    /// Recovers the attributes of a stored object. With a null <paramref name="tokenKey"/> only the plain
    /// part is returned and <see cref="OpenedObject.SealedPartPending"/> tells whether a sealed part waits.
    /// Anything that does not authenticate or decode — a wrong key, modified bytes, a row moved to another
    /// UID, an unknown version — is <c>CKR_DEVICE_ERROR</c>.
    /// </summary>
    public static OpenedObject Open(ObjectRecord record, byte[]? tokenKey)
    {
        ArgumentNullException.ThrowIfNull(record);
        List<KeyValuePair<CKA, byte[]>> attributes = Decode(record.PlainAttributes, "plain attributes are malformed");
        CkrException.ThrowIf(record.IsPrivate && attributes.Count != 0, CKR.CKR_DEVICE_ERROR, "a private object has plain attributes");

        byte[] sealedBytes = record.SealedAttributes ?? throw new CkrException(CKR.CKR_DEVICE_ERROR, "sealed part missing");
        if (sealedBytes.Length == 0)
        {
            CkrException.ThrowIf(record.IsPrivate, CKR.CKR_DEVICE_ERROR, "a private object has no sealed part");
            return new OpenedObject(record.Uid, record.IsPrivate, attributes, sealedPartPending: false);
        }
        CkrException.ThrowIf(sealedBytes[0] != SealedVersion, CKR.CKR_DEVICE_ERROR, $"unknown sealed-part version {sealedBytes[0]}");
        CkrException.ThrowIf(sealedBytes.Length < SealedHeader + AeadEnvelope.Overhead, CKR.CKR_DEVICE_ERROR, "sealed part truncated");

        if (tokenKey is null)
            return new OpenedObject(record.Uid, record.IsPrivate, attributes, sealedPartPending: true);
        StorageScheme.CheckTokenKey(tokenKey, nameof(tokenKey));

        byte[] clear = new byte[sealedBytes.Length - SealedHeader - AeadEnvelope.Overhead];
        try
        {
            Span<byte> aad = stackalloc byte[AadLength];
            WriteAad(aad, record.Uid, record.IsPrivate);
            if (!AeadEnvelope.TryOpen(tokenKey, sealedBytes.AsSpan(SealedHeader), aad, clear))
                throw new CkrException(CKR.CKR_DEVICE_ERROR, "sealed attributes failed authentication");

            var secret = Decode(clear, "sealed attributes are malformed");
            foreach (var attribute in secret)
            {
                if (attributes.Exists(a => a.Key == attribute.Key))
                {
                    foreach (var s in secret) CryptographicOperations.ZeroMemory(s.Value);
                    throw new CkrException(CKR.CKR_DEVICE_ERROR, "an attribute is stored both plain and sealed");
                }
            }
            attributes.AddRange(secret);
            return new OpenedObject(record.Uid, record.IsPrivate, attributes, sealedPartPending: false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(clear);
        }
    }

    private static List<KeyValuePair<CKA, byte[]>> Decode(byte[]? encoded, string failure)
    {
        if (encoded is null) throw new CkrException(CKR.CKR_DEVICE_ERROR, failure);
        try
        {
            return AttributeCodec.Decode(encoded);
        }
        catch (CkrException e)
        {
            throw new CkrException(CKR.CKR_DEVICE_ERROR, failure, e);
        }
    }

    private static void WriteAad(Span<byte> aad, Guid uid, bool isPrivate)
    {
        ReadOnlySpan<byte> label = StorageScheme.ObjectAadLabel;
        label.CopyTo(aad);
        StorageScheme.WriteUid(uid, aad.Slice(label.Length, StorageScheme.UidSize));
        aad[label.Length + StorageScheme.UidSize] = isPrivate ? (byte)1 : (byte)0;
    }
}
