using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Core.Mechanisms.Mac.Kdf;

/// <summary>
/// The PRF input of an SP 800-108 counter-mode KDF (§6.42 "Constructing PRF Input Data"): the data
/// parameters concatenated in order, with the counter i and the length [L] encoded where they stand.
/// Checks the counter-mode rules once: exactly one iteration variable, at most one DKM length, byte
/// widths only, and no other data types; anything else is CKR_MECHANISM_PARAM_INVALID.
/// </summary>
internal sealed class CounterModeInput
{
    private readonly IReadOnlyList<PrfDataParameter> _segments;

    public CounterModeInput(IReadOnlyList<PrfDataParameter> segments)
    {
        int counters = 0, lengths = 0;
        foreach (var segment in segments)
        {
            switch (segment)
            {
                case PrfIterationVariable counter:
                    counters++;
                    // SP 800-108 r ≤ 32; whole bytes only, as every implementation encodes them.
                    CkrException.ThrowIf(counter.WidthInBits is not (8 or 16 or 24 or 32), CKR.CKR_MECHANISM_PARAM_INVALID,
                        $"a counter of {counter.WidthInBits} bits is not supported (8, 16, 24 or 32)");
                    CounterBits = (int)counter.WidthInBits;
                    break;
                case PrfDkmLength dkm:
                    lengths++;
                    CkrException.ThrowIf(dkm.Method is not (PrfDkmLength.SumOfKeys or PrfDkmLength.SumOfSegments),
                        CKR.CKR_MECHANISM_PARAM_INVALID, $"DKM length method {dkm.Method} is unknown");
                    CkrException.ThrowIf(dkm.WidthInBits is < 8 or > 64 || dkm.WidthInBits % 8 != 0, CKR.CKR_MECHANISM_PARAM_INVALID,
                        $"a DKM length of {dkm.WidthInBits} bits is not supported (8..64, whole bytes)");
                    Dkm = dkm;
                    break;
                case PrfByteArray:
                    break;
                case PrfUnsupportedData other:
                    throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, $"PRF data type {other.Type} is not supported in counter mode");
                default:
                    throw new CkrException(CKR.CKR_MECHANISM_PARAM_INVALID, "unknown PRF data parameter");
            }
        }
        CkrException.ThrowIf(counters != 1, CKR.CKR_MECHANISM_PARAM_INVALID, "counter mode needs exactly one iteration variable");
        CkrException.ThrowIf(lengths > 1, CKR.CKR_MECHANISM_PARAM_INVALID, "at most one DKM length may be given");
        _segments = segments;
    }

    /// <summary>r, the counter's width in bits.</summary>
    public int CounterBits { get; }

    /// <summary>The DKM length format, or null when the input has none.</summary>
    public PrfDkmLength? Dkm { get; }

    /// <summary>Feeds the PRF input for iteration <paramref name="counter"/> to <paramref name="prf"/>.</summary>
    public void Write(IMacFunction prf, ulong counter, ulong dkmBits)
    {
        Span<byte> encoded = stackalloc byte[8];
        foreach (var segment in _segments)
        {
            switch (segment)
            {
                case PrfIterationVariable c:
                    prf.Update(Encode(counter, c.WidthInBits, c.LittleEndian, encoded));
                    break;
                case PrfDkmLength d:
                    prf.Update(Encode(dkmBits, d.WidthInBits, d.LittleEndian, encoded));
                    break;
                case PrfByteArray bytes:
                    prf.Update(bytes.Value);
                    break;
            }
        }
    }

    /// <summary>The value as widthInBits/8 bytes in the order asked for (the caller has checked it fits).</summary>
    private static ReadOnlySpan<byte> Encode(ulong value, ulong widthInBits, bool littleEndian, Span<byte> buffer)
    {
        int width = (int)widthInBits / 8;
        for (int i = 0; i < width; i++)
            buffer[littleEndian ? i : width - 1 - i] = (byte)(value >> (8 * i));
        return buffer[..width];
    }
}
