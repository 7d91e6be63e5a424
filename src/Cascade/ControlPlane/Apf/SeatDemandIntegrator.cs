using Cascade.Engine;

namespace Cascade.ControlPlane.Apf;

// Stands for: fairqueuing/integrator.go (time-weighted moments of a level's seat demand, reset every
// borrowing period) and seatDemandStats.update in apf_controller.go (high watermark, average, standard
// deviation, and the smoothed envelope max(avg+stddev, 0.977 × smoothed + 0.023 × (avg+stddev))).
// Kept exactly; a mutable struct held in an array so that updating it allocates nothing.

internal struct SeatDemandIntegrator
{
    // apf_controller.go seatDemandSmoothingCoefficient: 0.977 per 10 s period, a half-life of ~5 minutes.
    public const double SmoothingCoefficient = 0.977;

    private long _lastTime;
    private double _x;
    private double _elapsedSeconds, _integralX, _integralXX;
    private double _min, _max;

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
    public void Set(long now, double x)
    {
        Advance(now);
        _x = x;
        if (x < _min) _min = x;
        if (x > _max) _max = x;
    }

    /// <summary>Integrator.GetResults: the moments so far in this period, without closing it.</summary>
    public Moments Peek(long now)
    {
        Advance(now);
        if (_elapsedSeconds <= 0) return new Moments(0, double.NaN, double.NaN);
        double average = _integralX / _elapsedSeconds;
        double variance = _integralXX / _elapsedSeconds - average * average;
        return new Moments(_elapsedSeconds, average, variance >= 0 ? Math.Sqrt(variance) : double.NaN);
    }

    /// <summary>IntegratorResults: duration in seconds, time-weighted average and standard deviation.</summary>
    public readonly record struct Moments(double Seconds, double Average, double Deviation);

    /// <summary>Integrator.Reset then seatDemandStats.update: closes the period ending at <paramref name="now"/>.</summary>
    public void EndPeriod(long now)
    {
        Advance(now);
        double duration = _elapsedSeconds;
        double average = double.NaN, deviation = double.NaN;
        if (duration > 0)
        {
            average = _integralX / duration;
            double variance = _integralXX / duration - average * average;
            deviation = variance >= 0 ? Math.Sqrt(variance) : double.NaN;
        }
        double max = _max;
        _elapsedSeconds = _integralX = _integralXX = 0;
        _min = _max = _x;

        HighWatermark = max;
        if (duration <= 0) return;
        if (double.IsNaN(deviation)) deviation = 0;
        Average = average;
        StdDev = deviation;
        double envelope = average + deviation;
        Smoothed = Math.Max(envelope, SmoothingCoefficient * Smoothed + (1 - SmoothingCoefficient) * envelope);
    }

    private void Advance(long now)
    {
        double dt = (now - _lastTime) / (double)SimTime.TicksPerSecond;
        _lastTime = now;
        _elapsedSeconds += dt;
        _integralX += _x * dt;
        _integralXX += _x * _x * dt;
    }
}
