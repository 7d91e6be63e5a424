using Cascade.Preflight;
using static Cascade.Preflight.Cliff;
using CliffRange = Cascade.Preflight.Cliff.Range;
using Kind = Cascade.Preflight.Cliff.Kind;

namespace Cascade.Tests.Preflight;

/// <summary>
/// `cascade cliff`'s search without simulations: the grid it runs, its tolerance, and the bisection on a
/// hand-made objective that holds below a known value and fails from it.
/// </summary>
public class CliffSearchTests
{
    private static CliffRange R(double from, double to) => new("p", from, to, "", "");

    /// <summary>A point as the cliff evaluates it: holding below <paramref name="cliff"/>, failing from it.</summary>
    private static CliffPoint Point(double value, double cliff) => new(value, value.ToString(System.Globalization.CultureInfo.InvariantCulture), value < cliff, cliff - value, "");

    [Theory]
    [InlineData("1", "2", "Integer")]
    [InlineData("-5", "20", "Integer")]
    [InlineData("0.5", "2", "Real")]
    [InlineData("1", "2.5", "Real")]
    [InlineData("30s", "2m", "Duration")]
    [InlineData("1", "2m", "Duration")] // a bare number is a duration in seconds
    public void A_range_is_integers_when_both_ends_are_else_decimals_else_durations(string from, string to, string kind)
    {
        Assert.Equal(Enum.Parse<Kind>(kind), KindOf(from, to, "t"));
    }

    [Theory]
    [InlineData("1", "many")]
    [InlineData("a", "b")]
    public void A_range_mixing_numbers_and_durations_is_bad_input(string from, string to)
    {
        var e = Assert.Throws<InputException>(() => KindOf(from, to, "t"));
        Assert.Equal(("FROM and TO in 't' must both be numbers or both durations", "--vary"), (e.Message, e.Field));
    }

    [Theory]
    [InlineData("cluster.nodes=100..100")]
    [InlineData("cluster.nodes=100..50")]
    [InlineData("d=2m..1m")]
    public void A_range_must_grow(string text)
    {
        var e = Assert.Throws<InputException>(() => ParseVary(text));
        Assert.StartsWith("FROM must be less than TO", e.Message);
        Assert.Equal("--vary", e.Field);
    }

    [Fact]
    public void A_durations_range_keeps_its_texts_and_is_measured_in_seconds()
    {
        Assert.Equal(new CliffRange("every", 30, 90, "30s", "1m30s"), ParseVary("every=30s..1m30s"));
    }

    [Theory]
    [InlineData(1234.0, "Integer", "1234")]
    [InlineData(90.0, "Duration", "1m30s")]
    [InlineData(0.1234567, "Real", "0.123457")]
    [InlineData(64.0, "Real", "64")]
    public void Values_are_written_back_as_the_range_was_given(double value, string kind, string text)
    {
        Assert.Equal(text, Format(value, Enum.Parse<Kind>(kind)));
    }

    [Theory]
    [InlineData(null, 50, 8000, "Integer", 40)] // 7950 / 200 = 39.75, up to a whole node
    [InlineData(null, 0, 100, "Integer", 1)] // 0.5: at least 1
    [InlineData(0.2, 0, 100, "Integer", 1)]
    [InlineData(7.0, 0, 100, "Integer", 7)]
    [InlineData(null, 0.5, 64, "Real", 0.3175)]
    [InlineData(0.01, 0, 1, "Real", 0.01)]
    [InlineData(null, 30, 630, "Duration", 3)]
    public void The_tolerance_is_as_given_else_a_200th_of_the_range_and_a_whole_number_for_integers(double? given, double from, double to, string kind, double tolerance)
    {
        Assert.Equal(tolerance, Tolerance(given, R(from, to), Enum.Parse<Kind>(kind)), 9);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    public void A_tolerance_that_is_not_positive_is_bad_input(double given)
    {
        var e = Assert.Throws<InputException>(() => Tolerance(given, R(0, 1), Kind.Real));
        Assert.Equal(("must be positive", "--tolerance"), (e.Message, e.Field));
    }

    [Fact]
    public void The_grid_is_evenly_spaced_from_from_to_to_inclusive()
    {
        Assert.Equal([50.0, 2525, 5000], Grid(R(50, 5000), 3, Kind.Integer));
        Assert.Equal([50.0, 1700, 3350, 5000], Grid(R(50, 5000), 4, Kind.Integer));
        Assert.Equal([0.0, 0.25, 0.5, 0.75, 1], Grid(R(0, 1), 5, Kind.Real));
        Assert.Equal([0.5, 64], Grid(R(0.5, 64), 2, Kind.Real));
    }

    [Fact]
    public void An_integer_grid_is_rounded_and_runs_each_value_once_and_its_last_point_is_to_exactly()
    {
        Assert.Equal([0.0, 1, 2], Grid(R(0, 2), 5, Kind.Integer));
        Assert.Equal([10.0, 13, 17, 20], Grid(R(10, 20), 4, Kind.Integer));
        Assert.Equal(0.7, Grid(R(0.1, 0.7), 7, Kind.Real)[^1]);
    }

    [Fact]
    public void Bisection_narrows_an_integer_cliff_to_adjacent_values_and_keeps_every_point_it_ran()
    {
        var all = Grid(R(50, 5000), 3, Kind.Integer).Select(v => Point(v, 1234)).ToList();
        var ran = new List<double>();
        var (lo, hi) = Bisect(all, 1, Kind.Integer, v => { ran.Add(v); return Point(v, 1234); });
        Assert.Equal((1233.0, 1234.0), (lo!.Value, hi!.Value));
        // Halving from (50, 2525), each midpoint floored.
        Assert.Equal([1287.0, 668, 977, 1132, 1209, 1248, 1228, 1238, 1233, 1235, 1234], ran);
        Assert.Equal(3 + ran.Count, all.Count);
    }

    [Fact]
    public void Bisection_stops_once_the_interval_is_within_the_tolerance()
    {
        var all = Grid(R(50, 5000), 3, Kind.Integer).Select(v => Point(v, 1234)).ToList();
        var (lo, hi) = Bisect(all, 100, Kind.Integer, v => Point(v, 1234));
        Assert.Equal((1209.0, 1287.0), (lo!.Value, hi!.Value));
        Assert.Equal(3 + 5, all.Count);
    }

    [Fact]
    public void Bisection_of_a_real_range_halves_without_rounding()
    {
        var all = Grid(R(0, 1), 3, Kind.Real).Select(v => Point(v, 0.3)).ToList();
        var (lo, hi) = Bisect(all, 0.01, Kind.Real, v => Point(v, 0.3));
        Assert.Equal((0.296875, 0.3046875), (lo!.Value, hi!.Value));
    }

    [Fact]
    public void Bisection_starts_between_the_last_holding_and_the_first_failing_grid_point_even_if_a_later_one_holds_again()
    {
        var all = new List<CliffPoint> { Point(0, 99), Point(10, 5), Point(20, 99), Point(30, 5) };
        var ran = new List<double>();
        var (lo, hi) = Bisect(all, 1, Kind.Integer, v => { ran.Add(v); return Point(v, 5); });
        Assert.Equal((4.0, 5.0), (lo!.Value, hi!.Value));
        Assert.All(ran, v => Assert.InRange(v, 1, 9));
    }

    [Fact]
    public void A_range_that_fails_from_its_start_or_holds_throughout_is_not_bisected()
    {
        var failing = Grid(R(50, 5000), 3, Kind.Integer).Select(v => Point(v, 0)).ToList();
        var (lo, hi) = Bisect(failing, 1, Kind.Integer, _ => throw new InvalidOperationException("no run expected"));
        Assert.Equal(((double?)null, (double?)50), (lo?.Value, hi?.Value));

        var holding = Grid(R(50, 5000), 3, Kind.Integer).Select(v => Point(v, 1e9)).ToList();
        (lo, hi) = Bisect(holding, 1, Kind.Integer, _ => throw new InvalidOperationException("no run expected"));
        Assert.Equal(((double?)null, (double?)null), (lo?.Value, hi?.Value));
    }

    [Fact]
    public void Bisection_stops_when_no_integer_lies_strictly_between_its_ends()
    {
        // A tolerance under 1 (the verb never sets one for integers) must still end.
        var all = new List<CliffPoint> { Point(5, 6), Point(6, 6) };
        var (lo, hi) = Bisect(all, 0.5, Kind.Integer, _ => throw new InvalidOperationException("no run expected"));
        Assert.Equal((5.0, 6.0), (lo!.Value, hi!.Value));
        Assert.Equal(2, all.Count);
    }

    [Fact]
    public void The_grids_last_point_is_to_itself_not_from_plus_the_span()
    {
        // 0.7 + (2.9 − 0.7) is 2.9000000000000004 in doubles.
        Assert.Equal([0.7, 2.9], Grid(R(0.7, 2.9), 2, Kind.Real));
        Assert.Equal(2.9, Grid(R(0.7, 2.9), 5, Kind.Real)[^1]);
    }

    [Fact]
    public void Bisection_does_not_run_an_interval_exactly_as_wide_as_the_tolerance()
    {
        var all = new List<CliffPoint> { Point(0, 0.5), Point(1, 0.5) };
        var (lo, hi) = Bisect(all, 1, Kind.Real, _ => throw new InvalidOperationException("no run expected"));
        Assert.Equal((0.0, 1.0), (lo!.Value, hi!.Value));
    }

    [Fact]
    public void Bisection_stops_when_a_real_midpoint_rounds_to_the_failing_end()
    {
        // Two adjacent doubles, the lower with an odd last bit: their midpoint rounds (to even) up to the upper one.
        double a = Math.BitIncrement(1.0), b = Math.BitIncrement(a);
        var all = new List<CliffPoint> { Point(a, b), Point(b, b) };
        var (lo, hi) = Bisect(all, 1e-300, Kind.Real, _ => throw new InvalidOperationException("no run expected"));
        Assert.Equal((a, b), (lo!.Value, hi!.Value));
    }

    [Fact]
    public void A_cliff_needs_at_least_2_points_and_2_are_enough()
    {
        var missing = Path.Combine(Path.GetTempPath(), "cascade-no-such-scenario.yaml");
        var one = Assert.Throws<InputException>(() => Cliff.Run(missing, [], null, "cluster.nodes=1..2", null, "1m", 1, null, 1));
        Assert.Equal(("must be at least 2", "--points"), (one.Message, one.Field));
        foreach (int points in new[] { 2, 3 })
        {
            var e = Record.Exception(() => Cliff.Run(missing, [], null, "cluster.nodes=1..2", null, "1m", points, null, 1));
            Assert.False(e is InputException { Field: "--points" }, $"{points} points: {e?.Message}");
        }
    }

    [Fact]
    public void A_cliffs_duration_overrides_a_duration_among_the_overrides()
    {
        var durations = new List<double>();
        var e = Assert.Throws<OperationCanceledException>(() => Cliff.Run(PreflightFixtures.ListStorm, ["duration=7m"], 1, "cluster.nodes=50..60", null, "2m", 2, null, 1,
            admit: (scenarios, _) =>
            {
                durations.AddRange(scenarios.Select(s => s.Duration.Seconds));
                throw new OperationCanceledException("stop before running");
            }));
        Assert.Equal([120.0, 120.0], durations);
    }

    [Fact]
    public void A_cliffs_objective_must_be_one_the_judge_knows_and_a_known_one_passes_that_check()
    {
        var missing = Path.Combine(Path.GetTempPath(), "cascade-no-such-scenario.yaml");
        var e = Assert.Throws<InputException>(() => Cliff.Run(missing, [], null, "cluster.nodes=1..2", "no-such-objective", "1m", 2, null, 1));
        Assert.Equal("--objective", e.Field);
        Assert.Contains("objective", e.Message);
        Assert.Contains("no-such-objective", e.Message);
        var known = Assert.Throws<InputException>(() => Cliff.Run(missing, [], null, "cluster.nodes=1..2", ObjectiveJudge.ErrorBudget, "1m", 1, null, 1));
        Assert.Equal("--points", known.Field);
    }
}
