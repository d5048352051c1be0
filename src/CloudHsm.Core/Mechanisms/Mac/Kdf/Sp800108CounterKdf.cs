using System.Security.Cryptography;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Objects;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Mac.Kdf;

/// <summary>
/// CKM_SP800_108_COUNTER_KDF (PKCS#11 3.0 §6.42, NIST SP 800-108 §5.1): K(i) = PRF(K_I, input(i)) for
/// i = 1..n over one PRF stream K(1) || … || K(n). The PRF is an HMAC (base key a generic secret or the
/// hash's HMAC key type) or AES-CMAC (base key AES). The key C_DeriveKey's template defines comes first, then
/// the additional keys (CK_DERIVED_KEY) in order, each starting on a fresh segment ("all keys must be
/// created from disjoint segments"); the DKM length [L] covers them all.
/// </summary>
internal sealed class Sp800108CounterKdf : IDeriveMechanism
{
    /// <summary>An upper bound on one derivation's output, far above any key, to bound the work a caller can ask for.</summary>
    private const int MaxOutputBytes = 64 * 1024;

    /// <summary>Base key sizes in bits, over all PRFs (§6.42: "in bits").</summary>
    public MechanismInfo Info { get; } = new(8, GenericSecretKeyGen.MaxBytes * 8, CKF.CKF_DERIVE);

    public HsmObject[] Derive(Mechanism mechanism, HsmObject baseKey, Template template, ObjectContext context)
    {
        if (mechanism.Parameter is not Sp800108KdfParameter parameter)
            throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, "CKM_SP800_108_COUNTER_KDF needs a CK_SP800_108_KDF_PARAMS");
        var (prf, keys) = MacAlgorithms.Prf(parameter.PrfType)
            ?? throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, $"PRF type 0x{parameter.PrfType:X} is not supported");
        var input = new CounterModeInput(parameter.DataParameters);
        var key = keys.Value(baseKey, $"CKM_SP800_108_COUNTER_KDF with {prf.Name}");

        long counterLimit = (1L << input.CounterBits) - 1;   // SP 800-108: n ≤ 2^r − 1
        long maxBytes = Math.Min(MaxOutputBytes, counterLimit * prf.MacLength);
        // The base key's CKA_DERIVE_TEMPLATE counts as if given in each key's template (key type and length
        // included), before the base key lends its defaults, so that a default never contradicts it.
        Template[] templates = [.. new[] { template }.Concat(parameter.AdditionalKeys).Select(t => ObjectEngine.WithDeriveTemplate(t, baseKey))];
        var types = new CKK[templates.Length];
        var lengths = new int[templates.Length];
        long segments = 0, keyBytes = 0;
        for (int k = 0; k < templates.Length; k++)
        {
            (types[k], lengths[k]) = Blame(k, () =>
            {
                var type = DerivedKeyTemplate.KeyType(templates[k]);
                return (type, DerivedKeyTemplate.Length(templates[k], type, implied: null, maxBytes));
            });
            segments += (lengths[k] + prf.MacLength - 1) / prf.MacLength;
            keyBytes += lengths[k];
        }
        CkrException.ThrowIf(segments * prf.MacLength > maxBytes, CKR.CKR_KEY_SIZE_RANGE,
            $"{templates.Length} keys need {segments} PRF blocks; this derivation makes at most {maxBytes / prf.MacLength}");
        ulong dkmBits = 8UL * (ulong)(input.Dkm?.Method == PrfDkmLength.SumOfSegments ? segments * prf.MacLength : keyBytes);
        CkrException.ThrowIf(input.Dkm is { WidthInBits: < 64 } dkm && dkmBits >> (int)dkm.WidthInBits != 0, CKR.CKR_KEY_SIZE_RANGE,
            $"a DKM length of {dkmBits} bits does not fit in {input.Dkm?.WidthInBits} bits");

        byte[] stream = new byte[segments * prf.MacLength];
        try
        {
            Compute(prf, key.Span, input, (int)segments, dkmBits, stream);
            var derived = new HsmObject[templates.Length];
            for (int k = 0, offset = 0; k < templates.Length; k++)
            {
                var value = stream.AsSpan(offset, lengths[k]).ToArray();
                try
                {
                    derived[k] = Blame(k, () => ObjectEngine.Derive(CKO.CKO_SECRET_KEY, types[k],
                        DerivedKeyTemplate.WithBaseKeyDefaults(templates[k], baseKey),
                        new Dictionary<CKA, byte[]> { [CKA.CKA_VALUE] = value }, baseKey, context));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(value); // the new object holds its own copy
                }
                offset += (lengths[k] + prf.MacLength - 1) / prf.MacLength * prf.MacLength;
            }
            return derived;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(stream);
        }
    }

    /// <summary>Runs a step about key <paramref name="k"/> (0 the primary key); a fault in an additional key's
    /// template is reported as that key's (<see cref="AdditionalKeyTemplateException"/>).</summary>
    private static T Blame<T>(int k, Func<T> step)
    {
        try
        {
            return step();
        }
        catch (CkrException e) when (k > 0 && e is not AdditionalKeyTemplateException)
        {
            throw new AdditionalKeyTemplateException(e.Rv, k - 1, e.Message);
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
