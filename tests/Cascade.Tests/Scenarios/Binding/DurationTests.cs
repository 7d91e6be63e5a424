using Cascade.Engine;
using Cascade.Scenarios.Binding;
using FsCheck;
using FsCheck.Fluent;

namespace Cascade.Tests.Scenarios.Binding;

/// <summary>Durations read and write the way Kubernetes and Go write them.</summary>
public class DurationTests
{
    [Theory]
    [InlineData("250ms", 250 * SimTime.TicksPerMillisecond)]
    [InlineData("60s", 60 * SimTime.TicksPerSecond)]
    [InlineData("5m", 5 * SimTime.TicksPerMinute)]
    [InlineData("1h30m", 90 * SimTime.TicksPerMinute)]
    [InlineData("2h", 2 * SimTime.TicksPerHour)]
    [InlineData("1d", 24 * SimTime.TicksPerHour)]
    [InlineData("1.5s", 1_500_000)]
    [InlineData("30", 30 * SimTime.TicksPerSecond)]
    [InlineData("0.25", 250_000)]
    [InlineData("-5s", -5 * SimTime.TicksPerSecond)]
    [InlineData("7us", 7)]
    [InlineData("7µs", 7)]
    [InlineData("0", 0)]
    public void Durations_parse_from_go_style_text(string text, long ticks)
    {
        Assert.Equal(new Duration(ticks), Duration.Parse(text));
    }

    [Theory]
    [InlineData(90 * SimTime.TicksPerMinute, "1h30m")]
    [InlineData(250 * SimTime.TicksPerMillisecond, "250ms")]
    [InlineData(1_500_000, "1s500ms")]
    [InlineData(26 * SimTime.TicksPerHour, "1d2h")]
    [InlineData(0, "0s")]
    [InlineData(-90 * SimTime.TicksPerSecond, "-1m30s")]
    public void Durations_print_in_canonical_form(long ticks, string text)
    {
        Assert.Equal(text, new Duration(ticks).ToString());
    }

    [Theory]
    [InlineData("", "is not a duration")]
    [InlineData("5x", "unknown unit 'x'")]
    [InlineData("1m30m", "units must go from largest to smallest")]
    [InlineData("30m1h", "units must go from largest to smallest")]
    [InlineData("1h30", "the last number has no unit")]
    [InlineData("0.5us", "finer than the simulator's resolution of 1us")]
    [InlineData("999999999999d", "too long a duration")]
    [InlineData("1 h", "unknown unit ' h'")]
    [InlineData("1..5s", "expected a number at '1..5s'")]
    [InlineData("3m1..5s", "expected a number at '1..5s'")]
    [InlineData("79228162514264337593543950335d", "too long a duration")]
    public void Malformed_durations_say_what_is_wrong(string text, string reason)
    {
        Assert.False(Duration.TryParse(text, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Durations_order_by_their_length()
    {
        var a = Duration.Parse("59s");
        var b = Duration.Parse("1m");
        var c = Duration.Parse("60s");
        Assert.True(a < b && b > a && a <= b && b >= a && c <= b && c >= b);
        Assert.False(b < a || a > b || b <= a || a >= b || c < b || c > b);
        Assert.Equal((-1, 0, 1), (a.CompareTo(b), a.CompareTo(a), b.CompareTo(a)));
        Assert.Equal(0, Duration.Zero.Ticks);
        Assert.True(Duration.TryParse("2m", out var two));
        Assert.Equal(120 * SimTime.TicksPerSecond, two.Ticks);
        Assert.False(Duration.TryParse("2q", out _));
    }

    [Fact]
    public void Any_duration_parses_back_from_its_text()
    {
        // Near the extremes as well as in everyday ranges: the unsigned magnitude in ToString
        // exists for long.MinValue.
        var everyday = ArbMap.Default.GeneratorFor<long>();
        var anyLong = ArbMap.Default.GeneratorFor<int>().Two().Select(p => ((long)p.Item1 << 32) ^ (uint)p.Item2);
        var edges = Gen.Elements(long.MinValue, long.MaxValue, -1L, 0L, 1L);
        var ticks = Gen.OneOf(everyday, anyLong, edges).ToArbitrary();

        Prop.ForAll(ticks, t => Duration.Parse(new Duration(t).ToString()) == new Duration(t)).QuickCheckThrowOnFailure();
    }
}
