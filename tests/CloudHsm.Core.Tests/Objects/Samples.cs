using CloudHsm.Core.Attributes;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Tests.Objects;

/// <summary>Valid values of each attribute, for driving the policy table.</summary>
public static class Samples
{
    /// <summary>A vendor attribute the token does not know.</summary>
    public const CKA UnknownVendorAttribute = (CKA)0x8000_1234;

    /// <summary>Every attribute in the catalog, plus one it lacks.</summary>
    public static readonly CKA[] AllAttributes =
        [.. Enum.GetValues<CKA>().Distinct().Where(AttributeCatalog.IsKnown), UnknownVendorAttribute];

    /// <summary>A well-formed value to create with: CK_TRUE for booleans.</summary>
    public static byte[] ForCreate(CKA type) => KindOf(type) switch
    {
        AttributeKind.Bool => [1],
        AttributeKind.ULong => AttributeValues.FromULong(2),
        AttributeKind.Date => "20250101"u8.ToArray(),
        AttributeKind.ULongArray => AttributeValues.FromULongArray([(ulong)CKM.CKM_AES_GCM]),
        AttributeKind.AttributeArray => AttributeCodec.Encode(T.Of(T.Bool(CKA.CKA_TOKEN, true))),
        AttributeKind.Utf8 => "sample"u8.ToArray(),
        _ => [0x01, 0x02, 0x03],
    };

    /// <summary>A well-formed value that differs from what <paramref name="obj"/> holds: booleans flip.</summary>
    public static byte[] Changed(HsmObject obj, CKA type)
    {
        byte[] current = obj.Attributes.TryGetValue(type, out var value) ? value : [];
        return KindOf(type) switch
        {
            AttributeKind.Bool => [current is [1] ? (byte)0 : (byte)1],
            AttributeKind.ULong => AttributeValues.FromULong(current.Length == 8 ? AttributeValues.ToULong(type, current) + 1 : 1),
            AttributeKind.Date => "20300101"u8.ToArray(),
            AttributeKind.ULongArray => AttributeValues.FromULongArray([(ulong)CKM.CKM_AES_CBC]),
            AttributeKind.AttributeArray => AttributeCodec.Encode(T.Of(T.Bool(CKA.CKA_SENSITIVE, true))),
            AttributeKind.Utf8 => "changed"u8.ToArray(),
            _ => [0xAB, 0xCD, 0xEF, 0x01],
        };
    }

    private static AttributeKind KindOf(CKA type) =>
        AttributeCatalog.TryGetKind(type, out var kind) ? kind : AttributeKind.Bytes;
}
