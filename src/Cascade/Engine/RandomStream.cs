namespace Cascade.Engine;

/// <summary>
/// One independent stream of pseudo-random numbers: xoshiro256** (Blackman and Vigna, 2018), seeded
/// through SplitMix64 as its authors recommend. Fast, allocation-free, with a period of 2^256 − 1, and
/// — unlike System.Random — its sequence is fixed by this code, not by the runtime version.
/// </summary>
public sealed class RandomStream
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Informers drawing from this stream (one that draws alone may make its draws late, in its own order).</summary>
    internal int Informers { get; set; }

    public RandomStream(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
        if ((_s0 | _s1 | _s2 | _s3) == 0) _s0 = 1;
    }

    private RandomStream(RandomStream from) => (_s0, _s1, _s2, _s3) = (from._s0, from._s1, from._s2, from._s3);

    /// <summary>A stream that draws what this one will draw next, without moving this one.</summary>
    public RandomStream Copy() => new(this);

    internal static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// Uniform in [0, 1): the <paramref name="index"/>-th draw of the counter-based stream <paramref name="key"/>
    /// (SplitMix64 of the key advanced <paramref name="index"/> + 1 steps). It depends on nothing but its arguments, so
    /// a draw is the same whichever order the model makes it in, and an actor needs no stream object of its own.
    /// </summary>
    public static double UniformAt(ulong key, ulong index)
    {
        ulong x = key + index * 0x9E3779B97F4A7C15UL;
        return (SplitMix64(ref x) >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Reads the state without drawing (to bring it into the cache ahead of a draw); the value means nothing.</summary>
    internal long Warm() => (long)_s0;

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    /// <summary>Uniform in [0, 1), 53 bits of precision.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in (0, 1]: safe to take the logarithm of.</summary>
    public double NextDoubleNonZero() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n) without modulo bias (Lemire's method).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        ulong m = (ulong)(uint)NextUInt64() * (ulong)n;
        uint low = (uint)m;
        if (low < (uint)n)
        {
            uint threshold = (uint)(-n) % (uint)n;
            while (low < threshold)
            {
                m = (ulong)(uint)NextUInt64() * (ulong)n;
                low = (uint)m;
            }
        }
        return (int)(m >> 32);
    }

    public double NextUniform(double min, double max) => min + (max - min) * NextDouble();

    public double NextExponential(double mean) => -Math.Log(NextDoubleNonZero()) * mean;

    /// <summary>Standard normal by the Marsaglia polar method (no cached spare: the stream stays a pure function of its draws).</summary>
    public double NextStandardNormal()
    {
        while (true)
        {
            double u = 2 * NextDouble() - 1;
            double v = 2 * NextDouble() - 1;
            double s = u * u + v * v;
            if (s > 0 && s < 1) return u * Math.Sqrt(-2 * Math.Log(s) / s);
        }
    }

    public double NextNormal(double mean, double stdDev) => mean + stdDev * NextStandardNormal();

    /// <summary>Log-normal whose underlying normal has parameters mu and sigma.</summary>
    public double NextLogNormal(double mu, double sigma) => Math.Exp(mu + sigma * NextStandardNormal());

    public bool NextBool(double probability) => NextDouble() < probability;
}
