using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Cascade.Scenarios.Binding;

/// <summary>
/// An amount in Kubernetes' resource.Quantity notation: a number with an optional binary suffix
/// (Ki Mi Gi Ti Pi Ei), decimal suffix (n u m k M G T P E) or exponent ("1e3"); "500m" is 0.5, as for CPU.
/// Kept as a double because the simulator computes with it; <see cref="Bytes"/> rounds up, as
/// Kubernetes' Quantity.Value() does. Source: k8s.io/apimachinery/pkg/api/resource/quantity.go.
/// </summary>
public readonly partial record struct Quantity(double Value)
{
    private static readonly (string Suffix, decimal Multiplier)[] Suffixes =
    [
        ("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("Ti", 1L << 40), ("Pi", 1L << 50), ("Ei", 1L << 60),
        ("n", 1e-9m), ("u", 1e-6m), ("m", 1e-3m),
        ("k", 1e3m), ("M", 1e6m), ("G", 1e9m), ("T", 1e12m), ("P", 1e15m), ("E", 1e18m),
    ];

    /// <summary>
    /// The most a scenario may give (1Ei, 2^60): past any memory or rate there is, and far enough below
    /// long.MaxValue that <see cref="Bytes"/> and sums of a few such amounts stay in range.
    /// </summary>
    public const double MaxValue = 1L << 60;
    public const string MaxText = "1Ei";

    /// <summary>The value as a whole number of bytes (or units), rounded up.</summary>
    /// <exception cref="OverflowException">Beyond the range of a long.</exception>
    public long Bytes => checked((long)Math.Ceiling(Value));

    public static Quantity Parse(string text) =>
        TryParse(text, out var quantity, out var error) ? quantity : throw new FormatException(error);

    public static bool TryParse(string text, out Quantity quantity) => TryParse(text, out quantity, out _);

    /// <summary>Parses, or says in <paramref name="error"/> what is wrong, for a user to read.</summary>
    public static bool TryParse(string text, out Quantity quantity, out string error)
    {
        quantity = default;
        error = "";
        var match = Syntax().Match(text);
        if (!match.Success)
        {
            error = $"'{text}' is not a quantity: write it like 512Mi, 64Gi, 1.5G, 100k or 500m";
            return false;
        }

        var suffix = match.Groups["suffix"].Value;
        double value;
        // An exponent is e or E followed by digits ("1e3", "2E+6"); "E" alone is exa and "Ei" exbi.
        bool exponent = suffix.Length > 1 && suffix[0] is 'e' or 'E' && suffix[1] is not 'i';
        if (suffix.Length == 0 || exponent)
        {
            // No suffix or an exponent: the double parser is exact to the last bit, so ToString round-trips.
            value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        else
        {
            // Decimal so that "0.1k" is exactly 100 and "1.5Gi" exactly 1610612736.
            try
            {
                var number = decimal.Parse(match.Groups["number"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
                value = (double)(number * Multiplier(suffix));
            }
            catch (OverflowException)
            {
                value = double.PositiveInfinity;
            }
        }
        if (!double.IsFinite(value))
        {
            error = $"'{text}' is too large a quantity";
            return false;
        }
        quantity = new Quantity(value);
        return true;
    }

    private static decimal Multiplier(string suffix)
    {
        foreach (var (s, multiplier) in Suffixes)
            if (s == suffix) return multiplier;
        throw new UnreachableException(suffix);
    }

    /// <summary>
    /// The shortest of: a whole number with a binary or decimal suffix ("64Gi", "1k"), a whole number of
    /// thousandths ("500m"), or the plain number. Parses back to the same value.
    /// </summary>
    public override string ToString()
    {
        const double exactIntegers = 1L << 53;
        if (Value == Math.Floor(Value) && Math.Abs(Value) < exactIntegers)
        {
            long whole = (long)Value;
            string best = whole.ToString(CultureInfo.InvariantCulture);
            if (whole == 0) return best;
            foreach (var (suffix, multiplier) in Suffixes)
            {
                if (multiplier < 1) continue;
                long unit = (long)multiplier;
                if (whole % unit != 0) continue;
                var candidate = (whole / unit).ToString(CultureInfo.InvariantCulture) + suffix;
                if (candidate.Length < best.Length) best = candidate;
            }
            return best;
        }

        double thousandths = Value * 1000;
        if (thousandths == Math.Floor(thousandths) && Math.Abs(thousandths) < exactIntegers
            && (double)((decimal)(long)thousandths / 1000m) == Value)
            return ((long)thousandths).ToString(CultureInfo.InvariantCulture) + "m";

        return Value.ToString("R", CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^(?<number>[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?<suffix>[eE][-+]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Syntax();
}
