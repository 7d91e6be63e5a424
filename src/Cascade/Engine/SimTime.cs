namespace Cascade.Engine;

/// <summary>
/// Simulated time is an integer count of ticks. One tick is one microsecond: fine enough for the
/// sub-millisecond service times of an API server (a 1-seat request's work estimate is 3 ms), and a
/// signed 64-bit count covers ~292,000 years, far past the days of simulated time a replay needs.
/// Integers, not doubles, so that adding durations never rounds differently on different paths.
/// </summary>
public static class SimTime
{
    public const long TicksPerMicrosecond = 1;
    public const long TicksPerMillisecond = 1_000;
    public const long TicksPerSecond = 1_000_000;
    public const long TicksPerMinute = 60 * TicksPerSecond;
    public const long TicksPerHour = 60 * TicksPerMinute;

    /// <summary>Time that never comes: used for "no deadline".</summary>
    public const long Never = long.MaxValue;

    public static long FromSeconds(double seconds) => (long)Math.Round(seconds * TicksPerSecond);
    public static long FromMilliseconds(double ms) => (long)Math.Round(ms * TicksPerMillisecond);
    public static long FromMinutes(double minutes) => (long)Math.Round(minutes * TicksPerMinute);
    public static double ToSeconds(long ticks) => ticks / (double)TicksPerSecond;
    public static double ToMinutes(long ticks) => ticks / (double)TicksPerMinute;
}
