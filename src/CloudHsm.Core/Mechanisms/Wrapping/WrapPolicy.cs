using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Wrapping;

/// <summary>
/// The rules C_WrapKey and C_UnwrapKey apply whatever the mechanism (§5.18, §4.10, §4.11). Usage
/// (CKA_WRAP / CKA_UNWRAP) and CKA_ALLOWED_MECHANISMS are <see cref="KeyUsage"/>'s, as for every operation.
/// </summary>
public static class WrapPolicy
{
    /// <summary>
    /// May <paramref name="wrappingKey"/> wrap <paramref name="key"/>?
    /// <list type="bullet">
    /// <item>Only keys are wrapped (CKR_KEY_HANDLE_INVALID otherwise), and only secret and private keys
    /// (§5.18): a public key is CKR_KEY_NOT_WRAPPABLE.</item>
    /// <item>The key must be extractable (§5.18): else CKR_KEY_UNEXTRACTABLE.</item>
    /// <item>CKA_WRAP_WITH_TRUSTED keys go only under a CKA_TRUSTED wrapping key (§4.10, §4.11): else
    /// CKR_KEY_NOT_WRAPPABLE, the code §5.18 gives a key that cannot be wrapped "for some token-specific reason".</item>
    /// <item>The wrapping key's CKA_WRAP_TEMPLATE must match the key by C_FindObjects rules: §5.18 says a
    /// mismatch "SHALL return CKR_KEY_HANDLE_INVALID".</item>
    /// </list>
    /// </summary>
    public static void CheckWrap(HsmObject wrappingKey, HsmObject key)
    {
        CkrException.ThrowIf(key.KeyType is null, CKR.CKR_KEY_HANDLE_INVALID, "the object to wrap is not a key");
        CkrException.ThrowIf(key.Class == CKO.CKO_PUBLIC_KEY, CKR.CKR_KEY_NOT_WRAPPABLE, "public keys are not wrapped");
        CkrException.ThrowIf(!key.GetBool(CKA.CKA_EXTRACTABLE), CKR.CKR_KEY_UNEXTRACTABLE, "CKA_EXTRACTABLE is CK_FALSE");
        CkrException.ThrowIf(key.GetBool(CKA.CKA_WRAP_WITH_TRUSTED) && !wrappingKey.GetBool(CKA.CKA_TRUSTED), CKR.CKR_KEY_NOT_WRAPPABLE,
            "the key has CKA_WRAP_WITH_TRUSTED and the wrapping key is not CKA_TRUSTED");
        var wrapTemplate = NestedTemplate(wrappingKey, CKA.CKA_WRAP_TEMPLATE);
        CkrException.ThrowIf(wrapTemplate is not null && !ObjectEngine.Matches(key, wrapTemplate), CKR.CKR_KEY_HANDLE_INVALID,
            "the key does not match the wrapping key's CKA_WRAP_TEMPLATE");
    }

    /// <summary>
    /// May <paramref name="key"/> be wrapped with <paramref name="mechanism"/>? A CKA_WRAP_WITH_TRUSTED key is not
    /// wrapped with a mechanism that XORs a keystream onto it under an IV the caller chooses (CKM_AES_GCM, whose
    /// CK_GCM_PARAMS carries the IV): the token cannot tell whether that IV was used under the wrapping key
    /// before, and a caller who wraps a key of their own, whose value they know, under the same trusted key and
    /// IV gets this key as C1 ⊕ C2 ⊕ K1 — without ever holding the trusted key. CKR_KEY_NOT_WRAPPABLE, as for
    /// an untrusted wrapping key. CKM_CLOUDHSM_AES_GCM (the token makes the IV) and the AES key wraps
    /// (deterministic) remain. Keys without CKA_WRAP_WITH_TRUSTED may go under any key the caller likes, so a
    /// repeated IV gives nothing away that wrapping them under a key of the caller's would not.
    /// </summary>
    public static void CheckWrapMechanism(CKM mechanism, HsmObject key) =>
        CkrException.ThrowIf(mechanism == CKM.CKM_AES_GCM && key.GetBool(CKA.CKA_WRAP_WITH_TRUSTED), CKR.CKR_KEY_NOT_WRAPPABLE,
            "a CKA_WRAP_WITH_TRUSTED key is not wrapped under a caller-chosen GCM IV (use CKM_CLOUDHSM_AES_GCM or an AES key wrap)");

    /// <summary>
    /// The template the new key is built from: the caller's, plus the unwrapping key's CKA_UNWRAP_TEMPLATE
    /// (§5.18). An attribute both give with different values is CKR_TEMPLATE_INCONSISTENT.
    /// </summary>
    public static Template MergeUnwrapTemplate(HsmObject unwrappingKey, Template template)
    {
        var unwrapTemplate = NestedTemplate(unwrappingKey, CKA.CKA_UNWRAP_TEMPLATE);
        if (unwrapTemplate is null) return template;
        foreach (var required in unwrapTemplate)
            foreach (var given in template)
                CkrException.ThrowIf(given.Type == required.Type && !given.Value.AsSpan().SequenceEqual(required.Value),
                    CKR.CKR_TEMPLATE_INCONSISTENT,
                    $"{AttributeCatalog.Name(given.Type)} conflicts with the unwrapping key's CKA_UNWRAP_TEMPLATE");
        return new Template(template.Concat(unwrapTemplate));
    }

    /// <summary>The nested template an attribute holds (<see cref="AttributeCodec"/>), or null when the
    /// key has none: an absent or empty attribute puts no condition.</summary>
    private static Template? NestedTemplate(HsmObject key, CKA type) =>
        key.TryGetValue(type, out var value) && !value.IsEmpty ? AttributeCodec.DecodeTemplate(value.Span) : null;
}
