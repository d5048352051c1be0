using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Mac;

/// <summary>
/// CKM_GENERIC_SECRET_KEY_GEN (§6.22 generic secret key): a CKK_GENERIC_SECRET of CKA_VALUE_LEN random
/// bytes. The info is in bits, as the spec says for this mechanism; the token makes 1..512 bytes.
/// </summary>
internal sealed class GenericSecretKeyGen : IKeyGenMechanism
{
    public const int MinBytes = 1;
    public const int MaxBytes = 512;

    public MechanismInfo Info { get; } = new(MinBytes * 8, MaxBytes * 8, CKF.CKF_GENERATE);

    public HsmObject Generate(Mechanism mechanism, Template template, ObjectContext context)
    {
        CkrException.ThrowIf(mechanism.Parameter is not null, CKR.CKR_MECHANISM_PARAM_INVALID, "CKM_GENERIC_SECRET_KEY_GEN takes no parameter");
        byte[] valueLength = template.Find(CKA.CKA_VALUE_LEN)
            ?? throw new CkrException(CKR.CKR_TEMPLATE_INCOMPLETE, "CKM_GENERIC_SECRET_KEY_GEN needs CKA_VALUE_LEN");
        ulong length = AttributeValues.ToULong(CKA.CKA_VALUE_LEN, valueLength);
        // §5.18 lists no CKR_KEY_SIZE_RANGE for C_GenerateKey: the template's CKA_VALUE_LEN is what is wrong.
        CkrException.ThrowIf(length < MinBytes || length > MaxBytes, CKR.CKR_ATTRIBUTE_VALUE_INVALID,
            $"CKA_VALUE_LEN: generic secrets are {MinBytes}..{MaxBytes} bytes, not {length}");
        byte[] value = RandomNumberGenerator.GetBytes((int)length);
        try
        {
            return ObjectEngine.Generate(CKO.CKO_SECRET_KEY, CKK.CKK_GENERIC_SECRET, template,
                new Dictionary<CKA, byte[]> { [CKA.CKA_VALUE] = value }, mechanism.Type, context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(value); // the object holds its own copy
        }
    }
}
