namespace Cascade.Engine;

public enum DistributionKind
{
    Constant,
    Uniform,
    Exponential,
    Normal,
    LogNormal,
}

/// <summary>
/// A probability distribution over non-negative durations or quantities, as plain data (a struct), so
/// that a model can hold thousands of them in arrays and sample without allocating. Parameters are in
/// whatever unit the caller samples in (seconds for durations).
/// </summary>
public readonly record struct Distribution(DistributionKind Kind, double A, double B)
{
    public static Distribution Constant(double value) => new(DistributionKind.Constant, value, 0);
    public static Distribution Uniform(double min, double max) => new(DistributionKind.Uniform, min, max);
    public static Distribution Exponential(double mean) => new(DistributionKind.Exponential, mean, 0);
    public static Distribution Normal(double mean, double stdDev) => new(DistributionKind.Normal, mean, stdDev);

    /// <summary>Log-normal given the mean and standard deviation of the variable itself (not of its logarithm).</summary>
    public static Distribution LogNormal(double mean, double stdDev)
    {
        if (mean <= 0) throw new ArgumentOutOfRangeException(nameof(mean), "a log-normal needs a positive mean");
        double sigma2 = Math.Log(1 + stdDev * stdDev / (mean * mean));
        return new(DistributionKind.LogNormal, Math.Log(mean) - sigma2 / 2, Math.Sqrt(sigma2));
    }

    public double Mean => Kind switch
    {
        DistributionKind.Constant => A,
        DistributionKind.Uniform => (A + B) / 2,
        DistributionKind.Exponential => A,
        DistributionKind.Normal => A,
        DistributionKind.LogNormal => Math.Exp(A + B * B / 2),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>One draw; normal draws are truncated at zero because what we sample are durations and sizes.</summary>
    public double Sample(RandomStream rng) => Kind switch
    {
        DistributionKind.Constant => A,
        DistributionKind.Uniform => rng.NextUniform(A, B),
        DistributionKind.Exponential => rng.NextExponential(A),
        DistributionKind.Normal => Math.Max(0, rng.NextNormal(A, B)),
        DistributionKind.LogNormal => rng.NextLogNormal(A, B),
        _ => throw new InvalidOperationException(),
    };

    public override string ToString() => Kind switch
    {
        DistributionKind.Constant => $"constant({A})",
        DistributionKind.Uniform => $"uniform({A}, {B})",
        DistributionKind.Exponential => $"exponential(mean {A})",
        DistributionKind.Normal => $"normal({A}, {B})",
        DistributionKind.LogNormal => $"lognormal(mean {Mean})",
        _ => Kind.ToString(),
    };
}

/// <summary>
/// "Every X with jitter Y", the schedule of a periodic actor (a kubelet renewing its lease, an agent
/// polling a LIST): each period is X stretched by a uniform factor in [0, Y], the way client-go's
/// wait.JitterUntil does it (duration + rand × jitterFactor × duration). The first firing is placed
/// uniformly in [0, X) so that a fleet of actors started together does not fire in lock-step.
/// </summary>
public readonly record struct Periodic(double PeriodSeconds, double JitterFactor)
{
    public long FirstDelayTicks(RandomStream rng) => SimTime.FromSeconds(rng.NextDouble() * PeriodSeconds);

    public long NextDelayTicks(RandomStream rng) =>
        SimTime.FromSeconds(PeriodSeconds * (1 + (JitterFactor > 0 ? rng.NextDouble() * JitterFactor : 0)));
}
