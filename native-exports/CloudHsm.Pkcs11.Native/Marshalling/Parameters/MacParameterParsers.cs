using System.Runtime.InteropServices;
using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms.Mac;
using CloudHsm.Core.Mechanisms.Mac.Kdf;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Pkcs11.Native.Marshalling.Parameters;

/// <summary>
/// Parsers of the MAC/KDF family's parameters: CK_MAC_GENERAL_PARAMS (a CK_ULONG), CK_SP800_108_KDF_PARAMS
/// with its CK_PRF_DATA_PARAM and CK_DERIVED_KEY arrays, and CK_HKDF_PARAMS. Each structure must have its exact platform size;
/// everything it points to is copied; any fault in it is CKR_MECHANISM_PARAM_INVALID.
/// </summary>
internal static unsafe class MacParameterParsers
{
    /// <summary>A bound on CK_SP800_108_KDF_PARAMS.ulNumberOfDataParams, far above any encoding scheme's
    /// needs (NIST's sample has five), so a wild count cannot make the token walk caller memory.</summary>
    private const int MaxDataParameters = 64;

    /// <summary>A bound on CK_SP800_108_KDF_PARAMS.ulAdditionalDerivedKeys, likewise (a protocol needs a handful).</summary>
    private const int MaxAdditionalKeys = 64;

    // CK_PRF_DATA_TYPE values (pkcs11t.h 3.0).
    private const ulong IterationVariable = 1, DkmLength = 3, ByteArray = 4;

    private static readonly CKM[] GeneralLengthMacs =
    [
        CKM.CKM_SHA_1_HMAC_GENERAL, CKM.CKM_SHA224_HMAC_GENERAL, CKM.CKM_SHA256_HMAC_GENERAL,
        CKM.CKM_SHA384_HMAC_GENERAL, CKM.CKM_SHA512_HMAC_GENERAL, CKM.CKM_AES_CMAC_GENERAL,
    ];

    public static void Register(Dictionary<CKM, MechanismParameters.Parser> table,
        Dictionary<CKM, MechanismParameters.OutputParser> withOutputs)
    {
        foreach (var mechanism in GeneralLengthMacs)
            table.Add(mechanism, MacGeneral);
        withOutputs.Add(CKM.CKM_SP800_108_COUNTER_KDF, Sp800108);
        table.Add(CKM.CKM_HKDF_DERIVE, Hkdf);
    }

    /// <summary>CK_MAC_GENERAL_PARAMS is a bare CK_ULONG (§6.9).</summary>
    private static MechanismParameter MacGeneral(ReadOnlySpan<byte> parameter) =>
        new MacGeneralParameter((ulong)Read<CK_ULONG>(parameter, "CK_MAC_GENERAL_PARAMS"));

    /// <summary>The additional keys' templates are copied; their phKey pointers go to <paramref name="outputs"/>.</summary>
    private static MechanismParameter Sp800108(ReadOnlySpan<byte> parameter, DerivedKeyOutputs outputs)
    {
        var p = Read<CK_SP800_108_KDF_PARAMS>(parameter, "CK_SP800_108_KDF_PARAMS");
        ulong count = p.ulNumberOfDataParams;
        Invalid(count > MaxDataParameters, $"{count} data parameters (at most {MaxDataParameters})");
        Invalid(count > 0 && p.pDataParams == null, "pDataParams is NULL");
        var data = new PrfDataParameter[(int)count];
        for (int i = 0; i < data.Length; i++)
            data[i] = DataParameter(p.pDataParams[i]);
        // §6.42.2: the count and the array are both given or both absent.
        Invalid((p.ulAdditionalDerivedKeys == 0) != (p.pAdditionalDerivedKeys == null),
            "ulAdditionalDerivedKeys and pAdditionalDerivedKeys disagree");
        ulong additional = p.ulAdditionalDerivedKeys;
        Invalid(additional > MaxAdditionalKeys, $"{additional} additional derived keys (at most {MaxAdditionalKeys})");
        var templates = new Template[(int)additional];
        for (int i = 0; i < templates.Length; i++)
            templates[i] = AdditionalKey(p.pAdditionalDerivedKeys[i], i, outputs);
        return new Sp800108KdfParameter(p.prfType, data, templates);
    }

    /// <summary>One CK_DERIVED_KEY: its template copied (a NULL template with a count is a fault of the
    /// parameter; the attributes get TemplateReader's codes), its phKey recorded.</summary>
    private static Template AdditionalKey(CK_DERIVED_KEY key, int index, DerivedKeyOutputs outputs)
    {
        Invalid(key.ulAttributeCount != 0 && key.pTemplate == null, $"CK_DERIVED_KEY {index} has a NULL template");
        var template = TemplateReader.Read(key.pTemplate, key.ulAttributeCount);
        outputs.Add(key.phKey);
        return template;
    }

    private static PrfDataParameter DataParameter(CK_PRF_DATA_PARAM d)
    {
        switch ((ulong)d.type)
        {
            case IterationVariable:
                var counter = Pointed<CK_SP800_108_COUNTER_FORMAT>(d, "CK_SP800_108_COUNTER_FORMAT");
                return new PrfIterationVariable(counter.bLittleEndian != 0, counter.ulWidthInBits);
            case DkmLength:
                var dkm = Pointed<CK_SP800_108_DKM_LENGTH_FORMAT>(d, "CK_SP800_108_DKM_LENGTH_FORMAT");
                return new PrfDkmLength(dkm.dkmLengthMethod, dkm.bLittleEndian != 0, dkm.ulWidthInBits);
            case ByteArray:
                Invalid(d.ulValueLen == 0, "a CK_SP800_108_BYTE_ARRAY is empty"); // §6.42.2: "a non-zero length"
                return new PrfByteArray(Copy((byte*)d.pValue, d.ulValueLen, "a CK_SP800_108_BYTE_ARRAY"));
            default:
                return new PrfUnsupportedData(d.type);
        }
    }

    private static MechanismParameter Hkdf(ReadOnlySpan<byte> parameter)
    {
        var p = Read<CK_HKDF_PARAMS>(parameter, "CK_HKDF_PARAMS");
        return new HkdfParameter(p.bExtract != 0, p.bExpand != 0, p.prfHashMechanism, p.ulSaltType,
            Copy(p.pSalt, p.ulSaltLen, "pSalt"), p.hSaltKey, Copy(p.pInfo, p.ulInfoLen, "pInfo"));
    }

    /// <summary>A structure of exactly sizeof(T) bytes (STYLE 6.4), read unaligned.</summary>
    private static T Read<T>(ReadOnlySpan<byte> parameter, string name) where T : unmanaged
    {
        Invalid(parameter.Length != sizeof(T), $"{name} is {sizeof(T)} bytes, not {parameter.Length}");
        return MemoryMarshal.Read<T>(parameter);
    }

    /// <summary>The structure a CK_PRF_DATA_PARAM points to, of exactly its size.</summary>
    private static T Pointed<T>(CK_PRF_DATA_PARAM d, string name) where T : unmanaged
    {
        Invalid(d.pValue == null, $"the {name} pointer is NULL");
        Invalid(d.ulValueLen != (CK_ULONG)sizeof(T), $"{name} is {sizeof(T)} bytes, not {d.ulValueLen}");
        return *(T*)d.pValue;
    }

    /// <summary>A copy of caller bytes; a length without a pointer is a fault of the parameter.</summary>
    private static byte[] Copy(byte* p, CK_ULONG length, string name)
    {
        Invalid((ulong)length > int.MaxValue, $"{name} is too long");
        Invalid(length != 0 && p == null, $"{name} is NULL but its length is not 0");
        return length == 0 ? [] : new ReadOnlySpan<byte>(p, (int)length).ToArray();
    }

    private static void Invalid(bool condition, string detail) =>
        CkrException.ThrowIf(condition, CKR.CKR_MECHANISM_PARAM_INVALID, detail);
}
