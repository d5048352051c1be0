using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Mac.Kdf;

/// <summary>
/// CKM_HKDF_DERIVE (PKCS#11 3.0 §6.62, RFC 5869): extract, expand, or both, with an HMAC over
/// prfHashMechanism (SHA-1, SHA-224, SHA-256, SHA-384, SHA-512). The base key is a generic secret or an
/// HKDF key. A salt given as a key (CKF_HKDF_SALT_KEY) is that key's CKA_VALUE: the backend resolves hSaltKey
/// (<see cref="IKeyReferencingParameter"/>), and the key must be a generic secret or an HKDF key. Built on this family's HMACs, so SHA-224 (not in .NET) works like the rest; the tests check it
/// against .NET's own HKDF.
/// </summary>
internal sealed class HkdfDerive : IDeriveMechanism
{
    private static readonly MacKeyPolicy Keys =
        new([CKK.CKK_GENERIC_SECRET, CKK.CKK_HKDF], GenericSecretKeyGen.MinBytes, GenericSecretKeyGen.MaxBytes);

    /// <summary>Base key sizes in bytes, like the HMACs it is built on (§6.62 names no unit).</summary>
    public MechanismInfo Info { get; } = new((ulong)Keys.MinBytes, (ulong)Keys.MaxBytes, CKF.CKF_DERIVE);

    public HsmObject[] Derive(Mechanism mechanism, HsmObject baseKey, Template template, ObjectContext context)
    {
        if (mechanism.Parameter is not HkdfParameter p)
            throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, "CKM_HKDF_DERIVE needs a CK_HKDF_PARAMS");
        CkrException.ThrowIf(!p.Extract && !p.Expand, CKR.CKR_MECHANISM_PARAM_INVALID, "bExtract or bExpand must be true");
        var hmac = MacAlgorithms.HmacOverHash(p.PrfHashMechanism)
            ?? throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, $"prfHashMechanism 0x{p.PrfHashMechanism:X} is not supported");
        ReadOnlyMemory<byte> salt = p.Extract ? Salt(p) : default; // §6.62: the salt is ignored without extraction
        var ikm = Keys.Value(baseKey, "CKM_HKDF_DERIVE");
        // RFC 5869 §2.3: a PRK given to expand is at least HashLen bytes.
        CkrException.ThrowIf(!p.Extract && ikm.Length < hmac.MacLength, CKR.CKR_KEY_SIZE_RANGE,
            $"expanding needs a key of at least {hmac.MacLength} bytes");

        // The base key's CKA_DERIVE_TEMPLATE counts as if the caller had given it (key type and length included),
        // before the base key lends its defaults, so that a default never contradicts it.
        template = ObjectEngine.WithDeriveTemplate(template, baseKey);
        var keyType = DerivedKeyTemplate.KeyType(template);
        int length = p.Expand
            ? DerivedKeyTemplate.Length(template, keyType, implied: null, max: 255L * hmac.MacLength)
            : DerivedKeyTemplate.Length(template, keyType, implied: hmac.MacLength, max: hmac.MacLength);
        CkrException.ThrowIf(!p.Expand && length != hmac.MacLength, CKR.CKR_TEMPLATE_INCONSISTENT,
            $"extraction alone makes a key of {hmac.MacLength} bytes, not {length}");

        byte[] output = new byte[length];
        Span<byte> prk = stackalloc byte[MacAlgorithm.MaxMacLength];
        prk = prk[..hmac.MacLength];
        try
        {
            if (p.Extract)
                Hkdf.Extract(hmac, salt.Span, ikm.Span, prk);
            if (!p.Expand)
                prk.CopyTo(output);
            else
                Hkdf.Expand(hmac, p.Extract ? prk : ikm.Span, p.Info, output);
            return [ObjectEngine.Derive(CKO.CKO_SECRET_KEY, keyType, DerivedKeyTemplate.WithBaseKeyDefaults(template, baseKey),
                new Dictionary<CKA, byte[]> { [CKA.CKA_VALUE] = output }, baseKey, context)];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
            CryptographicOperations.ZeroMemory(output); // the new object holds its own copy
        }
    }

    /// <summary>The salt bytes; a salt key's are its snapshot's own (read, never written).</summary>
    private static ReadOnlyMemory<byte> Salt(HkdfParameter p) => p.SaltType switch
    {
        HkdfSaltType.Null => Array.Empty<byte>(),
        HkdfSaltType.Data => p.Salt,
        HkdfSaltType.Key => Keys.Value(p.SaltKey ?? throw new CkrException(CKR.CKR_GENERAL_ERROR, "the salt key was not resolved"),
            "CKM_HKDF_DERIVE's salt key"),
        _ => throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, $"ulSaltType 0x{p.SaltType:X} is not a CKF_HKDF_SALT_* value"),
    };
}
