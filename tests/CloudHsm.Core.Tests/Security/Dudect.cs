using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace CloudHsm.Core.Tests.Security;

/// <summary>
/// A leakage test in the manner of dudect (Reparaz, Balasch, Verbauwhede, "Dude, is my code constant time?",
/// DATE 2017): time one operation on inputs of two classes, interleaved in random order, and ask with Welch's
/// t-test whether the two timing distributions differ.
/// </summary>
/// <remarks>
/// <para>This measures no speed and asserts no duration: it asserts that the time of an operation does not depend on
/// a secret. The design is meant to keep it from failing on a busy shared machine:</para>
/// <list type="bullet">
/// <item>The class of every measurement is drawn at random just before it is taken, so anything that slows the machine
/// down (another process, a GC, tiered JIT recompiling in the background, frequency scaling) falls on both classes alike
/// and moves both means together; it widens the distributions, which Welch's t accounts for, but does not separate
/// them.</item>
/// <item>The inputs are made before measuring, and both classes allocate and throw alike.</item>
/// <item>Outliers (preemptions, page faults, GC pauses) are cropped as dudect does: besides the whole sample, the test
/// runs on the measurements below several pooled percentiles, and the largest |t| of these is reported.</item>
/// <item>The threshold is dudect's "definitely not constant time", |t| &gt; 10, far beyond what noise gives (for equal
/// distributions t is about standard normal; P(|t| &gt; 10) is below 1e-20).</item>
/// <item>A difference must also be large enough to be a leak worth the name: <see cref="MinEffect"/> of the mean time.
/// With a few hundred thousand measurements t grows past 10 for differences of a few nanoseconds that have nothing
/// to do with the secret (where the two classes' inputs happen to lie in memory, the length of the caller's own
/// input), and such a test would fail on a quiet machine and pass on a busy one. The leaks this finds are structural
/// (work skipped or added for some guesses: a length check before the KDF, a fast path, a cache), tens of percent of
/// the time; what is finer than this floor — the 32-byte comparison itself — is pinned in the code instead.</item>
/// <item>A run is bounded by time, not by count, so a slow machine takes fewer samples rather than longer; and a
/// first verdict of "leaks" is confirmed by a second independent run before the test fails, because a real dependency
/// shows up every time and an accident of the machine does not.</item>
/// </list>
/// </remarks>
internal static class Dudect
{
    /// <summary>dudect's threshold for "definitely leaking".</summary>
    public const double Threshold = 10;

    /// <summary>The smallest difference of the mean times, relative to their average, that counts as a leak.</summary>
    public const double MinEffect = 0.02;

    /// <summary>The cropping percentiles (1.0: the whole sample).</summary>
    private static readonly double[] Percentiles = [0.50, 0.75, 0.90, 0.95, 0.99, 0.999, 1.0];

    /// <param name="Tests">Per cropping percentile: Welch's t, and the difference of the class means relative to their average.</param>
    public sealed record Result(string Name, long Samples0, long Samples1, double MeanTicks, IReadOnlyList<(double Percentile, double T, double Effect)> Tests)
    {
        public double MaxAbsT => Tests.Max(t => Math.Abs(t.T));

        /// <summary>dudect's verdict with the effect floor: some cropping has |t| &gt; 10 and a difference of at least <see cref="MinEffect"/>.</summary>
        public bool Leaks => Tests.Any(t => Math.Abs(t.T) > Threshold && Math.Abs(t.Effect) >= MinEffect);

        public override string ToString()
        {
            string byPercentile = string.Join(", ", Tests.Select(t =>
                string.Create(CultureInfo.InvariantCulture, $"{t.Percentile:0.###}: t {t.T:F2} ({t.Effect * 100:+0.00;-0.00}%)")));
            double microseconds = MeanTicks * 1e6 / Stopwatch.Frequency;
            return string.Create(CultureInfo.InvariantCulture,
                $"{Name}: max |t| = {MaxAbsT:F2} over {Samples0} + {Samples1} measurements of {microseconds:F1} µs on average; by cropping percentile: {byPercentile}");
        }
    }

    /// <summary>
    /// Times <paramref name="operation"/>(class, input index) for <paramref name="budget"/> after a warm-up, drawing
    /// the class (0 or 1) at random for every measurement; <paramref name="inputs"/> inputs per class are cycled.
    /// </summary>
    public static Result Measure(string name, Action<int, int> operation, int inputs, TimeSpan budget, int maxSamples = 1_000_000)
    {
        var random = new Random(RandomNumberGenerator.GetInt32(int.MaxValue));
        var warmUp = Stopwatch.StartNew();
        for (int i = 0; warmUp.Elapsed < budget / 5 || i < 200; i++)
            operation(i & 1, i % inputs);

        var ticks = new long[maxSamples];
        var classes = new byte[maxSamples];
        int n = 0;
        long end = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
        while (n < maxSamples && ((n & 63) != 0 || Stopwatch.GetTimestamp() < end)) // the clock is read every 64 samples
        {
            int c = random.Next(2);
            int input = random.Next(inputs);
            long start = Stopwatch.GetTimestamp();
            operation(c, input);
            ticks[n] = Stopwatch.GetTimestamp() - start;
            classes[n] = (byte)c;
            n++;
        }
        return Analyse(name, ticks.AsSpan(0, n), classes.AsSpan(0, n));
    }

    /// <summary>Welch's t on the whole sample and on the measurements below each cropping percentile.</summary>
    public static Result Analyse(string name, ReadOnlySpan<long> ticks, ReadOnlySpan<byte> classes)
    {
        long[] sorted = ticks.ToArray();
        Array.Sort(sorted);
        var tests = new List<(double, double, double)>();
        long n0 = 0, n1 = 0;
        double mean = 0;
        foreach (double p in Percentiles)
        {
            long limit = sorted[Math.Min(sorted.Length - 1, (int)(p * (sorted.Length - 1)))];
            var a = new Welford();
            var b = new Welford();
            for (int i = 0; i < ticks.Length; i++)
            {
                if (ticks[i] > limit) continue;
                if (classes[i] == 0) a.Add(ticks[i]);
                else b.Add(ticks[i]);
            }
            double average = (a.Mean + b.Mean) / 2;
            tests.Add((p, WelchT(a, b), average == 0 ? 0 : (a.Mean - b.Mean) / average));
            if (p == 1.0) (n0, n1, mean) = (a.Count, b.Count, average);
        }
        return new Result(name, n0, n1, mean, tests);
    }

    public static double WelchT(Welford a, Welford b)
    {
        if (a.Count < 2 || b.Count < 2) return 0;
        double se = Math.Sqrt(a.Variance / a.Count + b.Variance / b.Count);
        return se == 0 ? 0 : (a.Mean - b.Mean) / se;
    }

    /// <summary>Running mean and variance (Welford), numerically stable over a million samples.</summary>
    public sealed class Welford
    {
        private double _m2;

        public long Count { get; private set; }
        public double Mean { get; private set; }
        public double Variance => Count < 2 ? 0 : _m2 / (Count - 1);

        public void Add(double x)
        {
            Count++;
            double delta = x - Mean;
            Mean += delta / Count;
            _m2 += delta * (x - Mean);
        }
    }

    /// <summary>
    /// Measures, and when the first run says "leaks" (<see cref="Result.Leaks"/>) measures again; returns every run's result. The caller asserts
    /// on the last one: a genuine dependency on the secret shows in both runs, a disturbance of the machine in one.
    /// </summary>
    public static IReadOnlyList<Result> MeasureConfirmed(string name, Action<int, int> operation, int inputs, TimeSpan budget)
    {
        var first = Measure(name, operation, inputs, budget);
        TestContext.Out.WriteLine(first);
        if (!first.Leaks) return [first];
        var second = Measure(name + " (confirmation run)", operation, inputs, budget);
        TestContext.Out.WriteLine(second);
        return [first, second];
    }
}
