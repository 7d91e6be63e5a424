using Cascade.Engine;
using Cascade.Fleet;
using static Cascade.Tests.Fleet.FleetHarness;

namespace Cascade.Tests.Fleet;

/// <summary>A condition with a `for`: it counts only once it has held without a break for the whole duration.</summary>
public class ConditionTrackerTests
{
    private static readonly Condition NotReadyOver5For30s = new(Signal.NodesNotReady, 5, At(30));

    /// <summary>Updates the tracker at each (time, value), cluster 0, and answers when it said the condition held.</summary>
    private static List<double> Held(Condition condition, params (double At, double Value)[] points)
    {
        var c = new StubCluster("a");
        var tracker = new ConditionTracker(condition, 1);
        var held = new List<double>();
        foreach (var (at, v) in points)
        {
            c.NotReady = () => v;
            if (tracker.Update(0, c, null, At(at), out double value)) held.Add(at);
            Assert.Equal(v, value);
        }
        return held;
    }

    [Fact]
    public void A_condition_counts_once_it_has_held_for_exactly_its_duration_and_keeps_counting_while_it_holds()
    {
        Assert.Equal(new[] { 130.0, 140.0 }, Held(NotReadyOver5For30s, (90, 0), (100, 6), (110, 6), (120, 6), (130, 6), (140, 6)));
    }

    [Fact]
    public void A_condition_held_from_time_zero_counts_its_duration_after_zero()
    {
        Assert.Equal(new[] { 30.0 }, Held(NotReadyOver5For30s, (0, 6), (10, 6), (20, 6), (30, 6)));
    }

    [Fact]
    public void A_value_equal_to_the_threshold_does_not_hold_the_condition()
    {
        Assert.Empty(Held(NotReadyOver5For30s, (0, 5), (10, 5), (20, 5), (30, 5), (40, 5)));
        Assert.Equal(new[] { 40.0 }, Held(NotReadyOver5For30s, (0, 5), (10, 5.01), (20, 6), (30, 6), (40, 6)));
    }

    [Fact]
    public void A_break_restarts_the_duration_from_the_next_breach()
    {
        Assert.Equal(new[] { 70.0 }, Held(NotReadyOver5For30s, (0, 6), (10, 6), (20, 6), (30, 1), (40, 6), (50, 6), (60, 6), (70, 6)));
    }

    [Fact]
    public void A_condition_without_a_duration_counts_on_its_first_breach()
    {
        Assert.Equal(new[] { 20.0 }, Held(NotReadyOver5For30s with { ForTicks = 0 }, (10, 1), (20, 7)));
    }

    [Fact]
    public void Each_cluster_has_its_own_duration()
    {
        var a = new StubCluster("a") { NotReady = () => 9 };
        var b = new StubCluster("b") { NotReady = () => 9 };
        var tracker = new ConditionTracker(NotReadyOver5For30s, 2);
        Assert.False(tracker.Update(0, a, null, At(0), out _));
        Assert.False(tracker.Update(1, b, null, At(20), out _));
        Assert.True(tracker.Update(0, a, null, At(30), out _));
        Assert.False(tracker.Update(1, b, null, At(40), out _));
        Assert.True(tracker.Update(1, b, null, At(50), out _));
        Assert.Same(NotReadyOver5For30s, tracker.Condition);
    }

    [Fact]
    public void A_condition_reads_as_signal_threshold_and_duration()
    {
        Assert.Equal("NodesNotReady > 5 for 30 s", NotReadyOver5For30s.ToString());
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(3, 7)]
    [InlineData(10, 10)]
    [InlineData(25.5, 4.5)]
    public void Conditions_are_evaluated_on_the_next_whole_ten_seconds_strictly_after_now(double now, double delay)
    {
        Assert.Equal(At(delay), Evaluation.FirstDelay(At(now)));
        Assert.Equal(At(10), Evaluation.Period);
    }
}
