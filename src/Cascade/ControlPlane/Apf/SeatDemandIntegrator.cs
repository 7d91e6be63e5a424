using Cascade.Engine;

namespace Cascade.ControlPlane.Apf;

// Stands for: fairqueuing/integrator.go (time-weighted moments of a level's seat demand, reset every
// borrowing period) and seatDemandStats.update in apf_controller.go (high watermark, average, standard
// deviation, and the smoothed envelope max(avg+stddev, 0.977 × smoothed + 0.023 × (avg+stddev))).
// Kept, with one difference: upstream sums demand × elapsed seconds in float64 at every change; here the sums
// are whole seat-ticks (a long, and an Int128 for the squares), so they are exact, and the moments are rounded
// once, when read. The same demand history gives the same bits however it is cut into changes, which an
// aggregate of many requests needs (docs/model.md "API Priority and Fairness", the seat demand). Upstream's rounding can make
// the variance a hair below zero (then it reports NaN); the exact numerator never is. A mutable struct held in an
// array, so that updating it allocates nothing.

internal struct SeatDemandIntegrator
{
    // apf_controller.go seatDemandSmoothingCoefficient: 0.977 per 10 s period, a half-life of ~5 minutes.
    public const double SmoothingCoefficient = 0.977;

    private long _lastTime;
    private long _x;
    private long _elapsedTicks, _integralX; // ticks; seat-ticks
    private Int128 _integralXX;             // seat²-ticks
    private long _max;

    // seatDemandStats
    public double HighWatermark;
    public double Average;
    public double StdDev;
    public double Smoothed;

    /// <summary>Starts integrating at <paramref name="now"/> from demand 0, with fresh statistics.</summary>
    public void Start(long now)
    {
        this = default;
        _lastTime = now;
    }

    /// <summary>The demand (seats in use + seats waiting) is <paramref name="x"/> from <paramref name="now"/> on.</summary>
    public void Set(long now, int x)
    {
        Advance(now);
        _x = x;
        if (x > _max) _max = x;
    }

    /// <summary>Integrator.GetResults: the moments so far in this period, without closing it.</summary>
    public Moments Peek(long now)
    {
        Advance(now);
        return Read();
    }

    /// <summary>The moments of the period so far, each rounded once from the exact sums (NaN over no time).</summary>
    private readonly Moments Read()
    {
        if (_elapsedTicks == 0) return new Moments(0, double.NaN, double.NaN);
        double seconds = _elapsedTicks / (double)SimTime.TicksPerSecond;
        // average = ∫x / T; variance = ∫x² / T − average² = (T·∫x² − (∫x)²) / T², whose numerator is a whole number ≥ 0.
        double average = _integralX / (double)_elapsedTicks;
        Int128 t = _elapsedTicks;
        double variance = (double)(t * _integralXX - (Int128)_integralX * _integralX) / ((double)_elapsedTicks * _elapsedTicks);
        return new Moments(seconds, average, Math.Sqrt(variance));
    }

    /// <summary>IntegratorResults: duration in seconds, time-weighted average and standard deviation.</summary>
    public readonly record struct Moments(double Seconds, double Average, double Deviation);

    /// <summary>Integrator.Reset then seatDemandStats.update: closes the period ending at <paramref name="now"/>.</summary>
    public void EndPeriod(long now)
    {
        Advance(now);
        var period = Read();
        long max = _max;
        _elapsedTicks = _integralX = 0;
        _integralXX = 0;
        _max = _x;

        HighWatermark = max;
        if (period.Seconds == 0) return;
        Average = period.Average;
        StdDev = period.Deviation;
        double envelope = period.Average + period.Deviation;
        Smoothed = Math.Max(envelope, SmoothingCoefficient * Smoothed + (1 - SmoothingCoefficient) * envelope);
    }

    private void Advance(long now)
    {
        long dt = now - _lastTime;
        _lastTime = now;
        _elapsedTicks += dt;
        _integralX += _x * dt;
        _integralXX += (Int128)(_x * _x) * dt;
    }
}
