using System.Globalization;
using System.Text;
using Cascade.Engine;

namespace Cascade.Scenarios.Binding;

/// <summary>
/// A span of simulated time in ticks (1 tick = 1 µs, see <see cref="SimTime"/>), written the way
/// Kubernetes and Go write durations: "250ms", "60s", "5m", "1h30m", "1d". A plain number is seconds.
/// Units are us (or µs), ms, s, m, h, d, each at most once and largest first, so "1m30m" is caught as
/// the typo it is. <see cref="ToString"/> writes the canonical form, which parses back to the same value.
/// </summary>
public readonly record struct Duration(long Ticks) : IComparable<Duration>
{
    private const long TicksPerDay = 24 * SimTime.TicksPerHour;

    // Largest first: ToString walks this table, and Parse requires this order.
    private static readonly (string Name, long Ticks)[] Units =
    [
        ("d", TicksPerDay),
        ("h", SimTime.TicksPerHour),
        ("m", SimTime.TicksPerMinute),
        ("s", SimTime.TicksPerSecond),
        ("ms", SimTime.TicksPerMillisecond),
        ("us", SimTime.TicksPerMicrosecond),
    ];

    public static Duration Zero => default;

    public double Seconds => SimTime.ToSeconds(Ticks);

    public static Duration FromSeconds(double seconds) => new(SimTime.FromSeconds(seconds));

    public static Duration Parse(string text) =>
        TryParse(text, out var duration, out var error) ? duration : throw new FormatException(error);

    public static bool TryParse(string text, out Duration duration) => TryParse(text, out duration, out _);

    /// <summary>Parses, or says in <paramref name="error"/> what is wrong, for a user to read.</summary>
    public static bool TryParse(string text, out Duration duration, out string error)
    {
        duration = default;
        error = "";
        int i = 0;
        bool negative = text.Length > 0 && text[0] == '-';
        if (text.Length > 0 && (text[0] == '-' || text[0] == '+')) i++;
        if (i == text.Length)
        {
            error = $"'{text}' is not a duration: write it like 30s, 5m, 1h30m or 250ms";
            return false;
        }

        int bodyStart = i;
        decimal total = 0;
        int previousUnit = -1;
        try
        {
            while (i < text.Length)
            {
                int start = i;
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.')) i++;
                if (!decimal.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
                {
                    error = $"'{text}' is not a duration: expected a number at '{text[start..]}'";
                    return false;
                }
                int unitStart = i;
                while (i < text.Length && !char.IsAsciiDigit(text[i]) && text[i] != '.') i++;
                var unitName = text[unitStart..i];
                if (unitName.Length == 0)
                {
                    if (start == bodyStart)
                    {
                        // A bare number is seconds, as in Kubernetes' ...Seconds fields.
                        total = number * SimTime.TicksPerSecond;
                        break;
                    }
                    error = $"'{text}' is not a duration: the last number has no unit (us, ms, s, m, h or d)";
                    return false;
                }
                int unit = UnitIndex(unitName);
                if (unit < 0)
                {
                    error = $"'{text}' is not a duration: unknown unit '{unitName}' (use us, ms, s, m, h or d)";
                    return false;
                }
                if (unit <= previousUnit)
                {
                    error = $"'{text}' is not a duration: units must go from largest to smallest, each once (like 1h30m)";
                    return false;
                }
                previousUnit = unit;
                total += number * Units[unit].Ticks;
            }
        }
        catch (OverflowException)
        {
            total = decimal.MaxValue;
        }

        if (total != decimal.Truncate(total))
        {
            error = $"'{text}' is finer than the simulator's resolution of 1us";
            return false;
        }
        if (negative) total = -total;
        if (total > long.MaxValue || total < long.MinValue)
        {
            error = $"'{text}' is too long a duration";
            return false;
        }
        duration = new Duration((long)total);
        return true;
    }

    private static int UnitIndex(string name)
    {
        if (name is "µs" or "μs") name = "us"; // micro sign and Greek mu: both are typed in the wild
        for (int u = 0; u < Units.Length; u++)
            if (Units[u].Name == name) return u;
        return -1;
    }

    /// <summary>Canonical form: "1h30m", "250ms", "1s500ms", "0s"; negative with a leading '-'.</summary>
    public override string ToString()
    {
        if (Ticks == 0) return "0s";
        var text = new StringBuilder();
        if (Ticks < 0) text.Append('-');
        // Magnitude as unsigned so that long.MinValue has one too.
        ulong rest = Ticks < 0 ? (ulong)(-(Ticks + 1)) + 1 : (ulong)Ticks;
        foreach (var (name, ticks) in Units)
        {
            ulong count = rest / (ulong)ticks;
            if (count == 0) continue;
            text.Append(count.ToString(CultureInfo.InvariantCulture)).Append(name);
            rest -= count * (ulong)ticks;
        }
        return text.ToString();
    }

    public int CompareTo(Duration other) => Ticks.CompareTo(other.Ticks);
    public static bool operator <(Duration a, Duration b) => a.Ticks < b.Ticks;
    public static bool operator >(Duration a, Duration b) => a.Ticks > b.Ticks;
    public static bool operator <=(Duration a, Duration b) => a.Ticks <= b.Ticks;
    public static bool operator >=(Duration a, Duration b) => a.Ticks >= b.Ticks;
}
