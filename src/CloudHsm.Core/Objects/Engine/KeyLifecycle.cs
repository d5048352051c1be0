using CloudHsm.Core.Attributes;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Objects.Engine;

/// <summary>How a new object came to be; decides the token-assigned key attributes.</summary>
internal enum ObjectOrigin
{
    /// <summary>C_CreateObject: the key material came from outside.</summary>
    Created,
    /// <summary>C_GenerateKey / C_GenerateKeyPair: made on the token.</summary>
    Generated,
    /// <summary>C_UnwrapKey: came in encrypted, but from outside.</summary>
    Unwrapped,
    /// <summary>C_DeriveKey: made on the token from a base key; not local, and its history is the base
    /// key's (the derive mechanisms' sensitivity rules, e.g. §6.3 ECDH).</summary>
    Derived,
}

/// <summary>
/// The token-assigned key attributes (footnotes 2, 4, 6), set on every new key: CKA_LOCAL (§4.8:
/// true only for keys generated on the token), CKA_KEY_GEN_MECHANISM (its mechanism, else
/// CK_UNAVAILABLE_INFORMATION), CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE (§4.10/4.11: the key's
/// history, which for a key from outside starts with it having been exposed). C_CopyObject keeps the
/// source's values: the latches on CKA_SENSITIVE and CKA_EXTRACTABLE keep them true.
/// </summary>
internal static class KeyLifecycle
{
    /// <summary>CK_UNAVAILABLE_INFORMATION, width-neutral; the boundary writes the platform's ~0.</summary>
    public const ulong Unavailable = ulong.MaxValue;

    /// <param name="baseKey">For <see cref="ObjectOrigin.Derived"/>: the base key, whose history the new
    /// key inherits — always sensitive only if the base key was and the new key is sensitive, never
    /// extractable likewise (§6.3 ECDH and every other derive mechanism say so in the same words).</param>
    public static void Stamp(ObjectSchema schema, IDictionary<CKA, byte[]> attributes, ObjectOrigin origin, CKM? mechanism,
        HsmObject? baseKey = null)
    {
        bool generated = origin == ObjectOrigin.Generated;
        bool sensitive = attributes.TryGetValue(CKA.CKA_SENSITIVE, out var s) && s is [1];
        bool extractable = !attributes.TryGetValue(CKA.CKA_EXTRACTABLE, out var e) || e is [1];
        bool keepsHistory = generated || origin == ObjectOrigin.Derived;
        bool wasAlwaysSensitive = origin != ObjectOrigin.Derived || baseKey?.GetBool(CKA.CKA_ALWAYS_SENSITIVE) == true;
        bool wasNeverExtractable = origin != ObjectOrigin.Derived || baseKey?.GetBool(CKA.CKA_NEVER_EXTRACTABLE) == true;

        SetIfDefined(schema, attributes, CKA.CKA_LOCAL, AttributeValues.FromBool(generated));
        SetIfDefined(schema, attributes, CKA.CKA_KEY_GEN_MECHANISM,
            AttributeValues.FromULong(generated && mechanism is CKM m ? (ulong)m : Unavailable));
        SetIfDefined(schema, attributes, CKA.CKA_ALWAYS_SENSITIVE,
            AttributeValues.FromBool(keepsHistory && wasAlwaysSensitive && sensitive));
        SetIfDefined(schema, attributes, CKA.CKA_NEVER_EXTRACTABLE,
            AttributeValues.FromBool(keepsHistory && wasNeverExtractable && !extractable));
    }

    private static void SetIfDefined(ObjectSchema schema, IDictionary<CKA, byte[]> attributes, CKA type, byte[] value)
    {
        if (schema.Defines(type))
            attributes[type] = value;
    }
}
