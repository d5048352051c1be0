using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Storage.Sealing;

/// <summary>
/// Splits an object's attributes into a plain part and a part sealed under the token key, and back
/// (docs/storage-encryption.md §5):
/// <c>sealed = empty | 0x01 || nonce(12) || AES-256-GCM(tokenKey, AttributeCodec(secret attributes)) || tag(16)</c>,
/// AAD <c>"cloudhsm object v1" || uid(16) || isPrivate(1) || SHA-256(PlainAttributes)(32)</c>.
/// </summary>
/// <remarks>
/// The AAD binds the plain part, byte for byte as stored, to the sealed part: opening with the token key
/// authenticates the whole record, so a changed usage flag or label of a key is <c>CKR_DEVICE_ERROR</c>.
/// A record with an empty sealed part (an object with nothing secret: a public data object, a certificate,
/// a public key) is not authenticated at all, and the plain part of a record opened without the token key
/// is returned unverified (<see cref="OpenedObject.SealedPartPending"/>).
/// </remarks>
public static class ObjectSealer
{
    /// <summary>The first byte of every non-empty sealed part in this version.</summary>
    public const byte SealedVersion = StorageScheme.Version;

    private const int SealedHeader = 1;
    private const int PlainDigestSize = 32; // SHA-256

    /// <summary>"cloudhsm object v1" (18) || uid (16) || isPrivate (1) || SHA-256(plain) (32).</summary>
    private const int AadLength = 18 + StorageScheme.UidSize + 1 + PlainDigestSize;

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
        var types = new HashSet<CKA>();
        foreach (var attribute in attributes)
        {
            ArgumentNullException.ThrowIfNull(attribute.Value, nameof(attributes));
            if (!types.Add(attribute.Key))
                throw new ArgumentException($"attribute {attribute.Key} given twice", nameof(attributes));
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
            WriteAad(aad, uid, isPrivate, plainBytes);
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
    /// part is returned and <see cref="OpenedObject.SealedPartPending"/> tells whether a sealed part waits;
    /// that plain part is <em>not yet verified</em> (its digest is in the sealed part's AAD, checked only
    /// with the key). Anything that does not authenticate or decode — a wrong key, modified sealed or plain
    /// bytes, a row moved to another UID, an unknown version — is <c>CKR_DEVICE_ERROR</c>. A record without
    /// a sealed part is returned as stored: nothing authenticates it.
    /// </summary>
    public static OpenedObject Open(ObjectRecord record, byte[]? tokenKey)
    {
        ArgumentNullException.ThrowIfNull(record);
        List<KeyValuePair<CKA, byte[]>> attributes = Decode(record.PlainAttributes, "plain attributes are malformed");
        CkrException.ThrowIf(record.IsPrivate && attributes.Count != 0, CKR.CKR_DEVICE_ERROR, "a private object has plain attributes");
        var types = new HashSet<CKA>();
        foreach (var attribute in attributes)
        {
            CkrException.ThrowIf(!types.Add(attribute.Key), CKR.CKR_DEVICE_ERROR, "an attribute is stored twice");
            CkrException.ThrowIf(attribute.Key == CKA.CKA_PRIVATE && attribute.Value.AsSpan().ContainsAnyExcept((byte)0),
                CKR.CKR_DEVICE_ERROR, "a non-private record says CKA_PRIVATE true");
        }

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
            WriteAad(aad, record.Uid, record.IsPrivate, record.PlainAttributes);
            if (!AeadEnvelope.TryOpen(tokenKey, sealedBytes.AsSpan(SealedHeader), aad, clear))
                throw new CkrException(CKR.CKR_DEVICE_ERROR, "sealed attributes failed authentication");

            var secret = Decode(clear, "sealed attributes are malformed");
            foreach (var attribute in secret)
            {
                if (!types.Add(attribute.Key))
                {
                    foreach (var s in secret) CryptographicOperations.ZeroMemory(s.Value);
                    throw new CkrException(CKR.CKR_DEVICE_ERROR, "an attribute is stored twice, or both plain and sealed");
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

    /// <summary>
    /// <c>"cloudhsm object v1" || uid(16) || isPrivate(1) || SHA-256(plainAttributes)(32)</c>, where
    /// <paramref name="plainAttributes"/> are the bytes exactly as stored (hashed, never re-encoded).
    /// </summary>
    private static void WriteAad(Span<byte> aad, Guid uid, bool isPrivate, ReadOnlySpan<byte> plainAttributes)
    {
        ReadOnlySpan<byte> label = StorageScheme.ObjectAadLabel;
        if (aad.Length != AadLength || label.Length + StorageScheme.UidSize + 1 + PlainDigestSize != AadLength)
            throw new InvalidOperationException("object AAD layout");
        int at = 0;
        label.CopyTo(aad);
        at += label.Length;
        StorageScheme.WriteUid(uid, aad.Slice(at, StorageScheme.UidSize));
        at += StorageScheme.UidSize;
        aad[at++] = isPrivate ? (byte)1 : (byte)0;
        int written = SHA256.HashData(plainAttributes, aad[at..]);
        if (written != PlainDigestSize) throw new InvalidOperationException("object AAD layout");
    }
}
