using System.Numerics;

namespace CloudHsm.Speed;

/// <summary>p11bench's latency histogram: log-linear, 128 sub-buckets per power of two, so a
/// percentile is within about ±0.4 % of the exact value. Values are Stopwatch ticks (nanoseconds on
/// Linux). One per thread, merged after the run; mean, min and max are kept exactly.</summary>
internal sealed class Histogram
{
    private const int SubBits = 7;
    private const int Sub = 1 << SubBits;
    public const int Buckets = 48 * Sub;

    private readonly long[] _counts = new long[Buckets];

    public long Count { get; private set; }
    public long Sum { get; private set; }
    public long Min { get; private set; } = long.MaxValue;
    public long Max { get; private set; }

    public static int Index(long v)
    {
        if (v < Sub)
            return v < 0 ? 0 : (int)v;
        int e = 63 - BitOperations.LeadingZeroCount((ulong)v);
        int shift = e - SubBits;
        int idx = (shift + 1) * Sub + (int)((v >> shift) - Sub);
        return idx < Buckets ? idx : Buckets - 1;
    }

    private static double Mid(int idx)
    {
        if (idx < Sub)
            return idx;
        int shift = idx / Sub - 1;
        long low = (long)(idx % Sub + Sub) << shift;
        return low + ((1L << shift) - 1) / 2.0;
    }

    /// <summary>Records one value. No allocation, no branch beyond min/max.</summary>
    public void Add(long v)
    {
        _counts[Index(v)]++;
        Count++;
        Sum += v;
        if (v < Min)
            Min = v;
        if (v > Max)
            Max = v;
    }

    public void Merge(Histogram other)
    {
        for (int i = 0; i < Buckets; i++)
            _counts[i] += other._counts[i];
        Count += other.Count;
        Sum += other.Sum;
        Min = Math.Min(Min, other.Min);
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>The p-quantile (0..1), by p11bench's rule (rank = ceil(p·n), bucket midpoint, clamped to min/max).</summary>
    public double Percentile(double p)
    {
        double want = p * Count;
        long rank = (long)want;
        if (rank < want)
            rank++;
        if (rank < 1)
            rank = 1;
        long c = 0;
        for (int i = 0; i < Buckets; i++)
        {
            c += _counts[i];
            if (c >= rank)
                return Math.Clamp(Mid(i), Min, Max);
        }
        return Max;
    }
}
