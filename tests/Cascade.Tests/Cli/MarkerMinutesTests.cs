using Cascade.Cli;
using Cascade.Preflight;

namespace Cascade.Tests.Cli;

/// <summary>
/// A replay marker is printed the same way by every table: the replay's timeline and the sensitivity tornado once
/// rounded 22.5 minutes to 22 and 23 respectively (two roundings of one figure).
/// </summary>
public class MarkerMinutesTests
{
    [Theory]
    [InlineData(22.5, "22.5")]
    [InlineData(22.0, "22")]
    [InlineData(204.0, "204")]
    [InlineData(0.0, "0")]
    [InlineData(131.3, "131.3")]
    [InlineData(-4.0, "-4")]
    [InlineData(39.300000000000004, "39.3")] // 204.3 − 165 in doubles: a difference prints at the tenth too
    [InlineData(0.30000000000000004, "0.3")]
    public void Minutes_keep_the_tenth_a_marker_carries(double minutes, string printed) =>
        Assert.Equal(printed, Progress.Minutes(minutes));

    [Theory]
    [InlineData(0.5, "+0.5")]
    [InlineData(0.0, "+0")]
    [InlineData(-4.0, "-4")]
    [InlineData(-0.5, "-0.5")]
    [InlineData(39.0, "+39")]
    public void A_difference_carries_its_sign(double minutes, string printed) =>
        Assert.Equal(printed, Progress.SignedMinutes(minutes));

    private static SensitivityResult Result(string measure) =>
        new("s", 1, 3600, measure, measure == SensitivityResult.Markers ? "min" : "share", [], []);

    [Fact]
    public void The_tornado_prints_a_marker_as_the_replay_table_does()
    {
        var markers = Result(SensitivityResult.Markers);
        Assert.Equal("22.5 (+0.5)", SensitivityCommand.Figure(markers, 22.5, 22));
        Assert.Equal("204.3 (+39.3)", SensitivityCommand.Figure(markers, 204.3, 165));
        Assert.Equal("21 (-4)", SensitivityCommand.Figure(markers, 21, 25));
        Assert.Equal("22.5", SensitivityCommand.Figure(markers, 22.5, null));
        Assert.Equal("never", SensitivityCommand.Figure(markers, null, 22));
    }

    [Fact]
    public void A_swing_under_a_minute_is_not_printed_as_none_or_as_a_whole_minute()
    {
        var markers = Result(SensitivityResult.Markers);
        Assert.Equal("0.4 (-0.4)", SensitivityCommand.Swing(markers, new SensitivityEffect("m", 22, 22, 21.6, -0.4, 0.4, false)));
        Assert.Equal("0.5 (+0.5)", SensitivityCommand.Swing(markers, new SensitivityEffect("m", 22, 22, 22.5, 0.5, 0.5, false)));
        Assert.Equal("3", SensitivityCommand.Swing(markers, new SensitivityEffect("m", 22, 19, 22, 0, 3, false)));
        Assert.Equal("never ↔ 1.5", SensitivityCommand.Swing(markers, new SensitivityEffect("m", 22, null, 23.5, null, 1.5, true)));
    }

    [Fact]
    public void Objective_shares_keep_two_decimals()
    {
        var objectives = Result(SensitivityResult.Objectives);
        Assert.Equal("0.45", SensitivityCommand.Figure(objectives, 0.4512, null));
        Assert.Equal("0.20 (+0.05)", SensitivityCommand.Swing(objectives, new SensitivityEffect("o", 0.4, 0.4, 0.45, 0.05, 0.2, false)));
        Assert.Equal("0.20 (-0.05)", SensitivityCommand.Swing(objectives, new SensitivityEffect("o", 0.4, 0.4, 0.35, -0.05, 0.2, false)));
    }
}
