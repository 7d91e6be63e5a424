using System.Globalization;

namespace Cascade.Preflight;

/// <summary>Simulated times as people read them in verdicts and tables: 45s, 12m30s, 2h05m.</summary>
public static class Clock
{
    public static string Format(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        if (t.TotalHours >= 1) return $"{(int)t.TotalHours}h{t.Minutes:D2}m";
        if (t.TotalMinutes >= 1) return $"{(int)t.TotalMinutes}m{t.Seconds:D2}s";
        return $"{t.Seconds}s";
    }

    public static string Percent(double share) => (share * 100).ToString(share < 0.1 ? "0.0" : "0", CultureInfo.InvariantCulture) + "%";
}
