using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;

namespace CloudHsm.Core.Mechanisms.Mac.Kdf;

/// <summary>CK_SP800_108_KDF_PARAMS in managed form (§6.42.2). The boundary copies the data parameters and
/// the template of each CK_DERIVED_KEY in <paramref name="AdditionalKeys"/>; their phKey pointers stay in the
/// boundary, which writes the handles C_DeriveKey returns.</summary>
public sealed record Sp800108KdfParameter(ulong PrfType, IReadOnlyList<PrfDataParameter> DataParameters,
    IReadOnlyList<Template> AdditionalKeys) : MechanismParameter;

/// <summary>One CK_PRF_DATA_PARAM: a segment of the PRF input.</summary>
public abstract record PrfDataParameter;

/// <summary>CK_SP800_108_ITERATION_VARIABLE with its CK_SP800_108_COUNTER_FORMAT (counter mode: the counter i).</summary>
public sealed record PrfIterationVariable(bool LittleEndian, ulong WidthInBits) : PrfDataParameter;

/// <summary>CK_SP800_108_DKM_LENGTH with its CK_SP800_108_DKM_LENGTH_FORMAT: [L], the output length in bits.</summary>
public sealed record PrfDkmLength(ulong Method, bool LittleEndian, ulong WidthInBits) : PrfDataParameter
{
    public const ulong SumOfKeys = 1;     // CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS
    public const ulong SumOfSegments = 2; // CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS
}

/// <summary>CK_SP800_108_BYTE_ARRAY: label, context, separator … as given.</summary>
public sealed record PrfByteArray(byte[] Value) : PrfDataParameter;

/// <summary>A data parameter type this token does not take in counter mode (CK_SP800_108_OPTIONAL_COUNTER,
/// CK_SP800_108_KEY_HANDLE, or an unknown value); the mechanism refuses it.</summary>
public sealed record PrfUnsupportedData(ulong Type) : PrfDataParameter;
