using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Aes;

/// <summary>
/// CKM_AES_KEY_GEN (§6.10.3): CKA_VALUE_LEN of 16, 24 or 32 from the template, anything else
/// CKR_ATTRIBUTE_VALUE_INVALID (§5.18 lists no CKR_KEY_SIZE_RANGE for C_GenerateKey: the template's value is
/// what is wrong). Without CKA_VALUE_LEN the object engine answers CKR_TEMPLATE_INCOMPLETE
/// (the attribute is RequiredOnGenerate), so this class does not repeat that rule.
/// </summary>
internal sealed class AesKeyGenMechanism : IKeyGenMechanism
{
    public MechanismInfo Info { get; } = BlockCipher.Aes.Info(CKF.CKF_GENERATE);

    public HsmObject Generate(Mechanism mechanism, Template template, ObjectContext context)
    {
        CkrException.ThrowIf(mechanism.Parameter is not null, CKR.CKR_MECHANISM_PARAM_INVALID, "CKM_AES_KEY_GEN takes no parameter");
        var generated = new Dictionary<CKA, byte[]>();
        if (template.Find(CKA.CKA_VALUE_LEN) is { } lengthValue)
        {
            ulong length = AttributeValues.ToULong(CKA.CKA_VALUE_LEN, lengthValue);
            CkrException.ThrowIf(length is not (16 or 24 or 32), CKR.CKR_ATTRIBUTE_VALUE_INVALID, $"CKA_VALUE_LEN: AES keys are 16, 24 or 32 bytes, not {length}");
            generated[CKA.CKA_VALUE] = RandomNumberGenerator.GetBytes((int)length);
        }
        try
        {
            return ObjectEngine.Generate(CKO.CKO_SECRET_KEY, CKK.CKK_AES, template, generated, mechanism.Type, context);
        }
        finally
        {
            if (generated.TryGetValue(CKA.CKA_VALUE, out var value))
                CryptographicOperations.ZeroMemory(value); // the engine keeps its own copy
        }
    }
}

/// <summary>
/// CKM_DES3_KEY_GEN (§6.18.3): 24 random bytes with odd parity in each byte, as DES keys carry it.
/// Keys whose thirds repeat (K1 = K2 or K2 = K3, which degrade to single DES and which the BCL refuses)
/// are drawn again.
/// </summary>
internal sealed class Des3KeyGenMechanism : IKeyGenMechanism
{
    private const int KeyLength = 24;

    public MechanismInfo Info { get; } = BlockCipher.Des3.Info(CKF.CKF_GENERATE);

    public HsmObject Generate(Mechanism mechanism, Template template, ObjectContext context)
    {
        CkrException.ThrowIf(mechanism.Parameter is not null, CKR.CKR_MECHANISM_PARAM_INVALID, "CKM_DES3_KEY_GEN takes no parameter");
        var value = NewKey();
        try
        {
            return ObjectEngine.Generate(CKO.CKO_SECRET_KEY, CKK.CKK_DES3, template,
                new Dictionary<CKA, byte[]> { [CKA.CKA_VALUE] = value }, mechanism.Type, context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(value);
        }
    }

    internal static byte[] NewKey()
    {
        while (true)
        {
            var key = RandomNumberGenerator.GetBytes(KeyLength);
            for (int i = 0; i < key.Length; i++)
                key[i] = WithOddParity(key[i]);
            if (!key.AsSpan(0, 8).SequenceEqual(key.AsSpan(8, 8)) && !key.AsSpan(8, 8).SequenceEqual(key.AsSpan(16, 8)))
                return key;
        }
    }

    /// <summary>The low bit of each byte makes its count of one bits odd (FIPS 46-3 §"The key").</summary>
    internal static byte WithOddParity(byte b)
    {
        int ones = System.Numerics.BitOperations.PopCount((uint)(b & 0xFE));
        return (byte)((b & 0xFE) | (ones % 2 == 0 ? 1 : 0));
    }
}
