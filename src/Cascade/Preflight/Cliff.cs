using System.Globalization;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Preflight;

/// <summary>One evaluated value of the varied parameter.</summary>
public sealed record CliffPoint(double Value, string Text, bool Holds, double Margin, string Evidence);

/// <summary>
/// Where the objectives first fail as the parameter grows. <see cref="FirstFailing"/> null: they hold over
/// the whole range; <see cref="LastHolding"/> null: they fail already at its start.
/// </summary>
public sealed record CliffResult(
    string Scenario,
    ulong Seed,
    string Parameter,
    string From,
    string To,
    string Objective,
    double DurationSeconds,
    string? LastHolding,
    string? FirstFailing,
    IReadOnlyList<CliffPoint> Points);

/// <summary>
/// `cascade cliff`: runs the scenario at evenly spaced values of one parameter (in parallel), then bisects
/// between the last value that holds and the first that fails, until they are within the tolerance.
/// Every evaluated value is a deterministic run, and which values are evaluated depends only on the
/// inputs, never on the number of threads. Bisection assumes the objective, once failed, stays failed as
/// the parameter grows; the curve (margin against value) shows whether it does.
/// </summary>
public static class Cliff
{
    internal enum Kind { Integer, Real, Duration }

    public sealed record Range(string Path, double From, double To, string FromText, string ToText);

    /// <summary>`path=FROM..TO`: integers, decimals or durations (`30s..10m`).</summary>
    public static Range ParseVary(string text)
    {
        var (path, from, to) = VaryRange.Split(text);
        var kind = KindOf(from, to, text);
        double a = Value(from, kind), b = Value(to, kind);
        if (!(a < b)) throw new InputException($"FROM must be less than TO in '{text}'", field: "--vary");
        return new Range(path, a, b, from, to);
    }

    internal static Kind KindOf(string from, string to, string text)
    {
        if (long.TryParse(from, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) && long.TryParse(to, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)) return Kind.Integer;
        if (double.TryParse(from, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && double.TryParse(to, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) return Kind.Real;
        if (Duration.TryParse(from, out _) && Duration.TryParse(to, out _)) return Kind.Duration;
        throw new InputException($"FROM and TO in '{text}' must both be numbers or both durations", field: "--vary");
    }

    private static double Value(string text, Kind kind) => kind switch
    {
        Kind.Duration => Duration.Parse(text).Seconds,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    internal static string Format(double v, Kind kind) => kind switch
    {
        Kind.Integer => ((long)v).ToString(CultureInfo.InvariantCulture),
        Kind.Duration => Duration.FromSeconds(v).ToString(),
        _ => v.ToString("G6", CultureInfo.InvariantCulture),
    };

    /// <param name="admit">Called with the grid's runs and how many go at once, before the first run (a resource guard may refuse them).</param>
    public static CliffResult Run(string path, IReadOnlyList<string> overrides, ulong? seed, string vary, string? objective,
        string duration, int points, double? tolerance, int threads, Action<CliffPoint>? progress = null,
        Action<IReadOnlyList<Scenario>, int>? admit = null)
    {
        var range = ParseVary(vary);
        var kind = KindOf(range.FromText, range.ToText, vary);
        if (objective is not null && !ObjectiveJudge.Names.Contains(objective))
            throw new InputException(Naming.Unknown("objective", objective, ObjectiveJudge.Names.ToList()), field: "--objective");
        if (points < 2) throw new InputException("must be at least 2", field: "--points");
        double tol = Tolerance(tolerance, range, kind);

        var fixedOverrides = overrides.Append($"duration={duration}").ToList();
        // Loading at FROM checks the path and the other overrides once, before any run.
        var scenario = ScenarioLoader.LoadFile(path, [.. fixedOverrides, $"{range.Path}={Format(range.From, kind)}"]);
        ulong runSeed = seed ?? (ulong)scenario.Seed;
        string baseDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!;

        Scenario Load(double value) => ScenarioLoader.LoadFile(path, [.. fixedOverrides, $"{range.Path}={Format(value, kind)}"]);

        CliffPoint Evaluate(double value, Func<int> runThreads)
        {
            string text = Format(value, kind);
            var s = Load(value);
            var result = ScenarioRunner.Run(s, runSeed, baseDirectory, threadsNow: runThreads).Result;
            var verdicts = ObjectiveJudge.Judge(s.Objectives, result).Where(v => objective is null || v.Objective == objective).ToList();
            double margin = verdicts.Count == 0 ? 1 : verdicts.Min(v => v.Margin);
            var failed = verdicts.FirstOrDefault(v => v.Failed);
            var worst = failed ?? verdicts.OrderBy(v => v.Margin).FirstOrDefault();
            var point = new CliffPoint(value, text, failed is null, margin, worst is null ? "" : objective is null ? $"{worst.Objective} {worst.Subject}: {worst.Evidence}" : $"{worst.Subject}: {worst.Evidence}");
            progress?.Invoke(point);
            return point;
        }

        var grid = Grid(range, points, kind);
        // Bisection only visits values between two of the grid's, one run at a time.
        admit?.Invoke(grid.Select(Load).ToList(), Math.Min(threads, grid.Count));
        var all = ParallelRuns.Run(grid, threads, (v, pool) => Evaluate(v, () => pool.Now)).ToList();

        var (lo, hi) = Bisect(all, tol, kind, mid => Evaluate(mid, () => threads));
        return new CliffResult(scenario.Metadata.Name, runSeed, range.Path, range.FromText, range.ToText, objective ?? "all",
            Duration.Parse(duration).Seconds, lo?.Text, hi?.Text, all.OrderBy(p => p.Value).ToList());
    }

    /// <summary>The bisection's tolerance: as given, else 1/200 of the range; a whole number, at least 1, for integers.</summary>
    internal static double Tolerance(double? tolerance, Range range, Kind kind)
    {
        double tol = tolerance ?? (range.To - range.From) / 200;
        if (kind == Kind.Integer) tol = Math.Max(1, Math.Ceiling(tol));
        if (!(tol > 0)) throw new InputException("must be positive", field: "--tolerance");
        return tol;
    }

    /// <summary>The evenly spaced values run first, FROM and TO included (integers rounded, each once).</summary>
    internal static List<double> Grid(Range range, int points, Kind kind)
    {
        double span = range.To - range.From;
        return Enumerable.Range(0, points)
            .Select(i => i == points - 1 ? range.To : range.From + span * i / (points - 1))
            .Select(v => kind == Kind.Integer ? Math.Round(v) : v)
            .Distinct().ToList();
    }

    /// <summary>
    /// Between the grid's last holding point before its first failing one and that failing one, halves the
    /// interval (integers floored) until it is within <paramref name="tol"/>, adding each evaluated point to
    /// <paramref name="all"/>. Null ends: nothing fails, or the first point already fails.
    /// </summary>
    internal static (CliffPoint? LastHolding, CliffPoint? FirstFailing) Bisect(List<CliffPoint> all, double tol, Kind kind, Func<double, CliffPoint> evaluate)
    {
        int firstFail = all.FindIndex(p => !p.Holds);
        CliffPoint? lo = firstFail > 0 ? all[firstFail - 1] : null, hi = firstFail >= 0 ? all[firstFail] : null;
        if (lo is not null && hi is not null)
        {
            while (hi.Value - lo.Value > tol)
            {
                double mid = lo.Value + (hi.Value - lo.Value) / 2;
                if (kind == Kind.Integer) mid = Math.Floor(mid);
                if (mid <= lo.Value || mid >= hi.Value) break;
                var p = evaluate(mid);
                all.Add(p);
                if (p.Holds) lo = p; else hi = p;
            }
        }
        return (lo, hi);
    }
}
