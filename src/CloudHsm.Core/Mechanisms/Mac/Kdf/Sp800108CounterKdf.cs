using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Mac.Kdf;

/// <summary>
/// CKM_SP800_108_COUNTER_KDF (PKCS#11 3.0 §6.42, NIST SP 800-108 §5.1): K(i) = PRF(K_I, input(i)) for
/// i = 1..n, the derived key the first L bytes of K(1) || … || K(n). The PRF is an HMAC (base key a
/// generic secret or the hash's HMAC key type) or AES-CMAC (base key AES). Additional derived keys
/// (CK_DERIVED_KEY) are refused: this token returns one key per C_DeriveKey.
/// </summary>
internal sealed class Sp800108CounterKdf : IDeriveMechanism
{
    /// <summary>An upper bound on one derivation's output, far above any key, to bound the work a caller can ask for.</summary>
    private const int MaxOutputBytes = 64 * 1024;

    /// <summary>Base key sizes in bits, over all PRFs (§6.42: "in bits").</summary>
    public MechanismInfo Info { get; } = new(8, GenericSecretKeyGen.MaxBytes * 8, CKF.CKF_DERIVE);

    public HsmObject Derive(Mechanism mechanism, HsmObject baseKey, Template template, ObjectContext context)
    {
        if (mechanism.Parameter is not Sp800108KdfParameter parameter)
            throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, "CKM_SP800_108_COUNTER_KDF needs a CK_SP800_108_KDF_PARAMS");
        CkrException.ThrowIf(parameter.AdditionalDerivedKeys != 0, CKR.CKR_MECHANISM_PARAM_INVALID,
            "additional derived keys (CK_DERIVED_KEY) are not supported");
        var (prf, keys) = MacAlgorithms.Prf(parameter.PrfType)
            ?? throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, $"PRF type 0x{parameter.PrfType:X} is not supported");
        var input = new CounterModeInput(parameter.DataParameters);
        var key = keys.Value(baseKey, $"CKM_SP800_108_COUNTER_KDF with {prf.Name}");

        var keyType = DerivedKeyTemplate.KeyType(template);
        long counterLimit = (1L << input.CounterBits) - 1;   // SP 800-108: n ≤ 2^r − 1
        int length = DerivedKeyTemplate.Length(template, keyType, implied: null, Math.Min(MaxOutputBytes, counterLimit * prf.MacLength));
        int segments = (length + prf.MacLength - 1) / prf.MacLength;
        ulong dkmBits = 8UL * (ulong)(input.Dkm?.Method == PrfDkmLength.SumOfSegments ? segments * prf.MacLength : length);
        CkrException.ThrowIf(input.Dkm is { WidthInBits: < 64 } dkm && dkmBits >> (int)dkm.WidthInBits != 0, CKR.CKR_KEY_SIZE_RANGE,
            $"a DKM length of {dkmBits} bits does not fit in {input.Dkm?.WidthInBits} bits");

        byte[] output = new byte[length];
        try
        {
            Compute(prf, key.Span, input, segments, dkmBits, output);
            return ObjectEngine.Derive(CKO.CKO_SECRET_KEY, keyType, DerivedKeyTemplate.WithBaseKeyDefaults(template, baseKey),
                new Dictionary<CKA, byte[]> { [CKA.CKA_VALUE] = output }, baseKey, context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(output); // the new object holds its own copy
        }
    }

    private static void Compute(MacAlgorithm prf, ReadOnlySpan<byte> key, CounterModeInput input, int segments, ulong dkmBits, Span<byte> output)
    {
        Span<byte> block = stackalloc byte[MacAlgorithm.MaxMacLength];
        block = block[..prf.MacLength];
        using var function = prf.Create(key);
        for (int i = 1; i <= segments; i++)
        {
            input.Write(function, (ulong)i, dkmBits);
            function.Final(block);
            int offset = (i - 1) * prf.MacLength;
            int take = Math.Min(prf.MacLength, output.Length - offset);
            block[..take].CopyTo(output[offset..]);
        }
        CryptographicOperations.ZeroMemory(block);
    }
}
