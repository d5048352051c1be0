using CloudHsm.Core.Attributes;
using CloudHsm.Pkcs11.Abi;
using static CloudHsm.Core.Tests.Objects.Outcome;

namespace CloudHsm.Core.Tests.Objects;

/// <summary>
/// The expected outcome of each object function for each attribute of each object type, written
/// from the PKCS#11 tables (and this token's documented choices) independently of the engine's own
/// tables. The test values: C_CreateObject gives a valid sample (CK_TRUE for booleans) or, for a
/// required attribute, leaves it out; C_SetAttributeValue and C_CopyObject change the value of an
/// object created from the minimal template (booleans flip); C_GetAttributeValue reads that object.
/// An attribute of the catalog that a type's table does not list belongs to other object types: a
/// template naming it is Inconsistent (§4.1.1 item 5, and §4.1.2/§4.1.3 for changes and copies), and
/// C_GetAttributeValue reads it as TypeInvalid (§5.7). An attribute the catalog lacks is no Cryptoki
/// attribute at all: TypeInvalid everywhere (§4.1.1 item 1).
/// </summary>
public static class SpecTable
{
    public sealed record Expect(CKA Type, Outcome Create, Outcome Set, Outcome Copy, Outcome Read);

    // The shapes that recur, named by what they mean for a caller.
    private static Expect Changeable(CKA type) => new(type, Ok, Ok, Ok, Ok);            // footnote 8
    private static Expect FixedAtCreation(CKA type) => new(type, Ok, ReadOnly, ReadOnly, Ok);
    private static Expect ChangeableOnCopy(CKA type) => new(type, Ok, ReadOnly, Ok, Ok);    // §4.1.3
    private static Expect Required(CKA type) => new(type, Outcome.Required, ReadOnly, ReadOnly, Ok); // footnote 1
    private static Expect RequiredSecret(CKA type) => new(type, Outcome.Required, ReadOnly, ReadOnly, Sensitive); // 1 + 7
    private static Expect TokenAssigned(CKA type) => new(type, ReadOnly, ReadOnly, ReadOnly, Ok);  // footnotes 2, 4, 6
    private static Expect SoOnly(CKA type) => new(type, ReadOnly, ReadOnly, ReadOnly, Ok);  // footnote 10, as a user
    private static Expect OfAnotherType(CKA type) => new(type, Inconsistent, Inconsistent, Inconsistent, TypeInvalid); // §4.1.1 item 5
    private static Expect NotCryptoki(CKA type) => new(type, TypeInvalid, TypeInvalid, TypeInvalid, TypeInvalid);   // §4.1.1 item 1

    /// <summary>§4.4. The objects start with CKA_COPYABLE true, which may be cleared.</summary>
    private static readonly Expect[] Storage =
    [
        Required(CKA.CKA_CLASS),
        ChangeableOnCopy(CKA.CKA_TOKEN),
        ChangeableOnCopy(CKA.CKA_PRIVATE),
        ChangeableOnCopy(CKA.CKA_MODIFIABLE),
        ChangeableOnCopy(CKA.CKA_DESTROYABLE),
        Changeable(CKA.CKA_COPYABLE),
        Changeable(CKA.CKA_LABEL),
        TokenAssigned(CKA.CKA_UNIQUE_ID),
    ];

    private static readonly Expect[] Data =
    [
        FixedAtCreation(CKA.CKA_APPLICATION),
        FixedAtCreation(CKA.CKA_OBJECT_ID),
        FixedAtCreation(CKA.CKA_VALUE),
    ];

    /// <summary>§4.6: a sample CKA_CHECK_VALUE is not the SHA-1 prefix of CKA_VALUE.</summary>
    private static readonly Expect[] X509 =
    [
        Required(CKA.CKA_CERTIFICATE_TYPE),
        SoOnly(CKA.CKA_TRUSTED),
        FixedAtCreation(CKA.CKA_CERTIFICATE_CATEGORY),
        new(CKA.CKA_CHECK_VALUE, ValueInvalid, ReadOnly, ReadOnly, Ok),
        FixedAtCreation(CKA.CKA_START_DATE),
        FixedAtCreation(CKA.CKA_END_DATE),
        FixedAtCreation(CKA.CKA_PUBLIC_KEY_INFO),
        Required(CKA.CKA_SUBJECT),
        Changeable(CKA.CKA_ID),
        Changeable(CKA.CKA_ISSUER),
        Changeable(CKA.CKA_SERIAL_NUMBER),
        Required(CKA.CKA_VALUE),
        FixedAtCreation(CKA.CKA_URL),
        FixedAtCreation(CKA.CKA_HASH_OF_SUBJECT_PUBLIC_KEY),
        FixedAtCreation(CKA.CKA_HASH_OF_ISSUER_PUBLIC_KEY),
        FixedAtCreation(CKA.CKA_JAVA_MIDP_SECURITY_DOMAIN),
        FixedAtCreation(CKA.CKA_NAME_HASH_ALGORITHM),
    ];

    private static readonly Expect[] Key =
    [
        Required(CKA.CKA_KEY_TYPE),
        Changeable(CKA.CKA_ID),
        Changeable(CKA.CKA_START_DATE),
        Changeable(CKA.CKA_END_DATE),
        Changeable(CKA.CKA_DERIVE),
        TokenAssigned(CKA.CKA_LOCAL),
        TokenAssigned(CKA.CKA_KEY_GEN_MECHANISM),
        FixedAtCreation(CKA.CKA_ALLOWED_MECHANISMS),
    ];

    private static readonly Expect[] PublicKey =
    [
        Changeable(CKA.CKA_SUBJECT),
        Changeable(CKA.CKA_ENCRYPT),
        Changeable(CKA.CKA_VERIFY),
        Changeable(CKA.CKA_VERIFY_RECOVER),
        Changeable(CKA.CKA_WRAP),
        SoOnly(CKA.CKA_TRUSTED),
        FixedAtCreation(CKA.CKA_WRAP_TEMPLATE),
        FixedAtCreation(CKA.CKA_PUBLIC_KEY_INFO),
    ];

    /// <summary>§4.10. The key starts sensitive (token default), so the flip to false hits the latch;
    /// it starts extractable, and clearing that is allowed.</summary>
    private static readonly Expect[] PrivateKey =
    [
        Changeable(CKA.CKA_SUBJECT),
        new(CKA.CKA_SENSITIVE, Ok, ReadOnly, ReadOnly, Ok),
        Changeable(CKA.CKA_DECRYPT),
        Changeable(CKA.CKA_SIGN),
        Changeable(CKA.CKA_SIGN_RECOVER),
        Changeable(CKA.CKA_UNWRAP),
        Changeable(CKA.CKA_EXTRACTABLE),
        TokenAssigned(CKA.CKA_ALWAYS_SENSITIVE),
        TokenAssigned(CKA.CKA_NEVER_EXTRACTABLE),
        Changeable(CKA.CKA_WRAP_WITH_TRUSTED),
        FixedAtCreation(CKA.CKA_UNWRAP_TEMPLATE),
        FixedAtCreation(CKA.CKA_ALWAYS_AUTHENTICATE),
        FixedAtCreation(CKA.CKA_PUBLIC_KEY_INFO),
        FixedAtCreation(CKA.CKA_DERIVE_TEMPLATE),
    ];

    /// <summary>§4.11. A sample CKA_CHECK_VALUE is never the key's KCV, whichever function brings it.</summary>
    private static readonly Expect[] SecretKey =
    [
        new(CKA.CKA_SENSITIVE, Ok, ReadOnly, ReadOnly, Ok),
        Changeable(CKA.CKA_ENCRYPT),
        Changeable(CKA.CKA_DECRYPT),
        Changeable(CKA.CKA_SIGN),
        Changeable(CKA.CKA_VERIFY),
        Changeable(CKA.CKA_WRAP),
        Changeable(CKA.CKA_UNWRAP),
        Changeable(CKA.CKA_EXTRACTABLE),
        TokenAssigned(CKA.CKA_ALWAYS_SENSITIVE),
        TokenAssigned(CKA.CKA_NEVER_EXTRACTABLE),
        new(CKA.CKA_CHECK_VALUE, ValueInvalid, ValueInvalid, ValueInvalid, Ok),
        Changeable(CKA.CKA_WRAP_WITH_TRUSTED),
        SoOnly(CKA.CKA_TRUSTED),
        FixedAtCreation(CKA.CKA_WRAP_TEMPLATE),
        FixedAtCreation(CKA.CKA_UNWRAP_TEMPLATE),
        FixedAtCreation(CKA.CKA_DERIVE_TEMPLATE),
    ];

    /// <summary>§6.1; the CRT values are required by this token, CKA_MODULUS_BITS on private keys is its extension.</summary>
    private static readonly Expect[] RsaPublic =
    [
        Required(CKA.CKA_MODULUS),
        TokenAssigned(CKA.CKA_MODULUS_BITS),
        Required(CKA.CKA_PUBLIC_EXPONENT),
    ];

    private static readonly Expect[] RsaPrivate =
    [
        Required(CKA.CKA_MODULUS),
        Required(CKA.CKA_PUBLIC_EXPONENT),
        RequiredSecret(CKA.CKA_PRIVATE_EXPONENT),
        RequiredSecret(CKA.CKA_PRIME_1),
        RequiredSecret(CKA.CKA_PRIME_2),
        RequiredSecret(CKA.CKA_EXPONENT_1),
        RequiredSecret(CKA.CKA_EXPONENT_2),
        RequiredSecret(CKA.CKA_COEFFICIENT),
        TokenAssigned(CKA.CKA_MODULUS_BITS),
    ];

    private static readonly Expect[] EcPublic = [Required(CKA.CKA_EC_PARAMS), Required(CKA.CKA_EC_POINT)];

    private static readonly Expect[] EcPrivate = [Required(CKA.CKA_EC_PARAMS), RequiredSecret(CKA.CKA_VALUE)];

    /// <summary>CKA_VALUE_LEN ^2,3^: the token derives it on create.</summary>
    private static readonly Expect[] SecretWithLength = [RequiredSecret(CKA.CKA_VALUE), TokenAssigned(CKA.CKA_VALUE_LEN)];

    private static readonly Expect[] Des3 = [RequiredSecret(CKA.CKA_VALUE)];

    /// <summary>Each object type with its table: the spec's layers, most general first; a later layer's
    /// row for the same attribute replaces an earlier one.</summary>
    public static readonly IReadOnlyList<(ObjectType Type, Expect[][] Layers)> Types =
    [
        (ObjectTypes.Data, [Storage, Data]),
        (ObjectTypes.X509, [Storage, X509]),
        (ObjectTypes.RsaPublic, [Storage, Key, PublicKey, RsaPublic]),
        (ObjectTypes.RsaPrivate, [Storage, Key, PrivateKey, RsaPrivate]),
        (ObjectTypes.EcPub, [Storage, Key, PublicKey, EcPublic]),
        (ObjectTypes.EcPriv, [Storage, Key, PrivateKey, EcPrivate]),
        (ObjectTypes.EdPub, [Storage, Key, PublicKey, EcPublic]),
        (ObjectTypes.EdPriv, [Storage, Key, PrivateKey, EcPrivate]),
        (ObjectTypes.MontPub, [Storage, Key, PublicKey, EcPublic]),
        (ObjectTypes.MontPriv, [Storage, Key, PrivateKey, EcPrivate]),
        (ObjectTypes.Aes, [Storage, Key, SecretKey, SecretWithLength]),
        (ObjectTypes.Des3, [Storage, Key, SecretKey, Des3]),
        (ObjectTypes.Generic, [Storage, Key, SecretKey, SecretWithLength]),
        (ObjectTypes.HmacSha256, [Storage, Key, SecretKey, SecretWithLength]),
    ];

    /// <summary>The expectation for every attribute the token knows (and one it does not): a type's own
    /// attributes as its table says, the catalog's others as belonging to other types.</summary>
    public static IEnumerable<(ObjectType Type, Expect Expect)> Rows()
    {
        foreach (var (type, layers) in Types)
        {
            var table = new Dictionary<CKA, Expect>();
            foreach (var row in layers.SelectMany(l => l))
                table[row.Type] = row;
            foreach (var attribute in Samples.AllAttributes)
                yield return (type, table.TryGetValue(attribute, out var expect) ? expect
                    : AttributeCatalog.IsKnown(attribute) ? OfAnotherType(attribute)
                    : NotCryptoki(attribute));
        }
    }
}
