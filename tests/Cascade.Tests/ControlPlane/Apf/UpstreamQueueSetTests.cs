using Cascade.Engine;
using Xunit.Abstractions;

namespace Cascade.Tests.ControlPlane.Apf;

/// <summary>
/// Kubernetes' own fair-queuing tests (staging/src/k8s.io/apiserver/pkg/util/flowcontrol/fairqueuing/queueset/
/// queueset_test.go), ported onto <see cref="UniformScenario"/>: the same clients, level shapes, evaluation
/// windows, expected averages and margins as upstream. Each test names the upstream function it ports.
/// Durations are written as upstream writes them, in nanoseconds (time.Duration); the harness rounds them to
/// the kernel's microsecond ticks.
/// </summary>
public class UpstreamQueueSetTests(ITestOutputHelper output)
{
    // time.Second and time.Millisecond, in nanoseconds.
    private const long Second = 1_000_000_000;
    private const long Millisecond = 1_000_000;

    private ScenarioResult Exercise(
        string name, LevelShape shape, UniformClient[] clients, long evalNanos, bool[] expectFair, double[] margins,
        bool expectAllRequests = true, double[]? expectedAverages = null, long expectedEpochAdvances = 0)
    {
        var result = new UniformScenario(shape, clients, evalNanos, expectedAverages).Run();
        output.WriteLine($"{name}: {(result.FirstHalf is null ? "" : $"first half {result.FirstHalf}; second half ")}{result.Last}; failed {result.Failed}; epochs {result.EpochAdvances}");
        if (result.FirstHalf is { } half)
            Assert.False(half.AnyVerdictDiffers(expectFair[0], margins[0]),
                $"{name} first half, expected fair={expectFair[0]} within {margins[0]}: {half}");
        Assert.False(result.Last.AnyVerdictDiffers(expectFair[^1], margins[^1]),
            $"{name}, expected fair={expectFair[^1]} within {margins[^1]}: {result.Last}");

        // finalReview
        if (expectAllRequests) Assert.True(result.Failed == 0, $"{name}: expected every request to execute, {result.Failed} failed");
        else Assert.True(result.Failed > 0, $"{name}: expected some requests to be rejected, none were");
        Assert.Equal(0, result.WaitingAtEnd);
        Assert.Equal(0, result.ExecutingAtEnd);
        Assert.Equal(0, result.SeatsInUseAtEnd);
        Assert.Equal(expectedEpochAdvances, result.EpochAdvances);
        // The level's seat-demand integral (fed to borrowing) against the clients' own account of it.
        AssertClose(result.DemandCheck.Seconds, result.DemandSubject.Seconds, $"{name}: seat-demand duration");
        AssertClose(result.DemandCheck.Average, result.DemandSubject.Average, $"{name}: seat-demand average");
        AssertClose(result.DemandCheck.Deviation, result.DemandSubject.Deviation, $"{name}: seat-demand deviation");
        return result;
    }

    /// <summary>float64close: relative difference below 1e-10 (NaN counts as 0).</summary>
    private static void AssertClose(double expected, double actual, string what)
    {
        double x = double.IsNaN(expected) ? 0 : expected, y = double.IsNaN(actual) ? 0 : actual;
        double den = Math.Max(Math.Abs(x), Math.Abs(y));
        Assert.True(den == 0 || Math.Abs(x - y) / den < 1e-10, $"{what}: expected {expected}, got {actual}");
    }

    private static UniformClient Client(ulong hash, int threads, int calls, long exec, long think) => new(hash, threads, calls, exec, think);

    // ---- the harness's own arithmetic ----

    [Fact]
    public void Fair_allocation_is_max_min_fair_as_upstream_computes_it()
    {
        // TestFairAlloc
        Assert.Equal(new double[] { 0, 0 }, UniformScenario.FairAlloc(new double[] { 0, 0 }, 42));
        Assert.Equal(new double[] { 42, 0 }, UniformScenario.FairAlloc(new double[] { 47, 0 }, 42));
        Assert.Equal(new double[] { 1, 41 }, UniformScenario.FairAlloc(new double[] { 1, 47 }, 42));
        Assert.Equal(new double[] { 3, 5, 5, 1 }, UniformScenario.FairAlloc(new double[] { 3, 7, 9, 1 }, 14));
        Assert.Equal(new double[] { 1, 9, 7, 3 }, UniformScenario.FairAlloc(new double[] { 1, 9, 7, 3 }, 21));
    }

    // ---- scenarios ----

    [Theory]
    [InlineData(10, 0.001, true)]   // no competition: everyone gets what it asks for
    [InlineData(2, 0.25, false)]    // competition for 2 seats: an unlimited level is not fair
    public void An_exempt_level_gives_every_flow_its_demand_fair_or_not(int concurrency, double margin, bool fair)
    {
        // TestNoRestraint (upstream's no-restraint QueueSet is the exempt level here)
        Exercise("NoRestraint", LevelShape.Exempt(concurrency),
            [Client(1001001001, 5, 15, Second, Second), Client(2002002002, 2, 15, Second, Second / 2)],
            18 * Second, [fair], [margin]);
    }

    [Fact]
    public void One_thread_with_no_think_time_keeps_the_one_seat_busy()
    {
        // TestBaseline
        Exercise("Baseline", LevelShape.Queuing(1, queues: 9, queueLengthLimit: 8, handSize: 3),
            [Client(1001001001, 1, 21, Second, 0)], 20 * Second, [true], [0]);
    }

    [Fact]
    public void The_exempt_level_runs_every_request_at_once_whatever_its_width()
    {
        // TestExampt: 5 threads of 3 seats, half the time executing, is 7.5 seats on average.
        Exercise("Exampt", LevelShape.Exempt(1),
            [Client(1001001001, 5, 20, Second, Second).WithInitialSeats(3)],
            40 * Second, [true], [0.00000001], expectedAverages: [7.5]);
    }

    [Theory]
    // think, pad (ms), finalSeats, concurrency, clients, expected averages (none: max-min fair share of demand)
    [InlineData(1000, 0, 1, 1, 1, null)]
    [InlineData(1000, 0, 1, 2, 1, null)]
    [InlineData(1000, 0, 2, 2, 1, null)]
    [InlineData(1000, 0, 1, 1, 2, null)]
    [InlineData(1000, 0, 1, 2, 2, null)]
    [InlineData(1000, 0, 2, 2, 2, null)]
    [InlineData(0, 1000, 1, 1, 1, new[] { 0.5 })]
    [InlineData(0, 1000, 1, 2, 1, null)]
    [InlineData(0, 1000, 2, 2, 1, new[] { 0.5 })]
    [InlineData(0, 1000, 1, 1, 2, new[] { 0.25, 0.25 })]
    [InlineData(0, 1000, 1, 2, 2, new[] { 0.5, 0.5 })]
    [InlineData(0, 1000, 2, 2, 2, new[] { 0.25, 0.25 })]
    [InlineData(1000, 500, 1, 1, 1, null)]
    [InlineData(1000, 500, 1, 2, 1, null)]
    [InlineData(1000, 500, 2, 2, 1, null)]
    [InlineData(1000, 500, 1, 1, 2, new[] { 1.0 / 3, 1.0 / 3 })]
    [InlineData(1000, 500, 1, 2, 2, null)]
    [InlineData(1000, 500, 2, 2, 2, new[] { 1.0 / 3, 1.0 / 3 })]
    [InlineData(500, 1000, 1, 1, 1, new[] { 0.5 })]
    [InlineData(500, 1000, 1, 2, 1, null)]
    [InlineData(500, 1000, 2, 2, 1, new[] { 0.5 })]
    [InlineData(500, 1000, 1, 1, 2, new[] { 0.25, 0.25 })]
    [InlineData(500, 1000, 1, 2, 2, new[] { 0.5, 0.5 })]
    [InlineData(500, 1000, 2, 2, 2, new[] { 0.25, 0.25 })]
    public void Final_seats_held_after_the_reply_cut_each_flows_share_exactly_as_upstream_expects(
        int thinkMs, int padMs, int finalSeats, int concurrency, int clients, double[]? expected)
    {
        // TestSeparations: 24 s is a multiple of every period involved, so the margin is 0.
        long think = thinkMs * Millisecond, pad = padMs * Millisecond;
        UniformClient[] all =
        [
            Client(1001001001, 1, 25, Second, think).Padded(finalSeats, pad),
            Client(2002002002, 1, 25, Second, think).Padded(finalSeats, pad),
        ];
        Exercise($"Separations think={thinkMs}ms pad={padMs}ms finalSeats={finalSeats} conc={concurrency} clients={clients}",
            LevelShape.Queuing(concurrency, queues: 9, queueLengthLimit: 8, handSize: 3),
            all[..clients], 24 * Second, [true], [0], expectedAverages: expected);
    }

    [Fact]
    public void Two_uniform_flows_with_hand_size_1_share_four_seats_equally()
    {
        // TestUniformFlowsHandSize1
        Exercise("UniformFlowsHandSize1", LevelShape.Queuing(4, queues: 9, queueLengthLimit: 8, handSize: 1),
            [Client(1001001001, 8, 20, Second, Second - 1), Client(2002002002, 8, 20, Second, Second - 1)],
            50 * Second, [true], [0.01]);
    }

    [Fact]
    public void Two_uniform_flows_with_hand_size_3_share_four_seats_equally()
    {
        // TestUniformFlowsHandSize3
        Exercise("UniformFlowsHandSize3", LevelShape.Queuing(4, queues: 8, queueLengthLimit: 16, handSize: 3),
            [Client(400900100100, 8, 30, Second, Second - 1), Client(300900200200, 8, 30, Second, Second - 1)],
            60 * Second, [true], [0.03]);
    }

    [Fact]
    public void Flows_with_different_think_times_but_both_over_their_share_get_equal_shares()
    {
        // TestDifferentFlowsExpectEqual
        Exercise("DiffFlowsExpectEqual", LevelShape.Queuing(4, queues: 9, queueLengthLimit: 8, handSize: 1),
            [Client(1001001001, 8, 20, Second, Second), Client(2002002002, 7, 30, Second, Second / 2)],
            40 * Second, [true], [0.01]);
    }

    [Fact]
    public void Progress_meter_wraps_without_harm_over_ten_simulated_years()
    {
        // TestSeatSecondsRollover: 500-seat requests lasting a quarter of a year, 2000 seats; R passes three
        // quarters of its 64-bit range and is wound back 8 times.
        const long quarter = 91 * 24 * 3600 * Second;
        Exercise("SeatSecondsRollover", LevelShape.Queuing(2000, queues: 9, queueLengthLimit: 8, handSize: 1),
            [Client(1001001001, 8, 20, quarter, quarter).WithInitialSeats(500), Client(2002002002, 7, 30, quarter, quarter / 2).WithInitialSeats(500)],
            40 * quarter, [true], [0.01], expectedEpochAdvances: 8);
    }

    [Fact]
    public void A_flow_demanding_less_than_its_share_gets_its_demand_and_the_other_the_rest()
    {
        // TestDifferentFlowsExpectUnequal
        Exercise("DiffFlowsExpectUnequal", LevelShape.Queuing(3, queues: 9, queueLengthLimit: 6, handSize: 1),
            [Client(1001001001, 4, 20, Second, Second - 1), Client(2002002002, 2, 20, Second, Second - 1)],
            20 * Second, [true], [0.01]);
    }

    [Fact]
    public void Flows_of_one_seat_and_two_seat_requests_get_equal_seat_shares()
    {
        // TestDifferentWidths
        Exercise("DifferentWidths", LevelShape.Queuing(6, queues: 64, queueLengthLimit: 13, handSize: 7),
            [Client(10010010010010, 13, 10, Second, Second - 1), Client(20020020020020, 7, 10, Second, Second - 1).WithInitialSeats(2)],
            20 * Second, [true], [0.155]);
    }

    [Fact]
    public void Requests_wider_than_the_level_run_alone_and_every_flow_still_gets_about_its_share()
    {
        // TestTooWide: the 7-seat flow's requests need all 6 seats and more.
        Exercise("TooWide", LevelShape.Queuing(6, queues: 64, queueLengthLimit: 35, handSize: 7),
            [
                Client(40040040040040, 15, 21, Second, Second - 1).WithInitialSeats(2),
                Client(50050050050050, 15, 21, Second, Second - 1).WithInitialSeats(2),
                Client(60060060060060, 15, 21, Second, Second - 1).WithInitialSeats(2),
                Client(70070070070070, 15, 21, Second, Second - 1).WithInitialSeats(2),
                Client(90090090090090, 15, 21, Second, Second - 1).WithInitialSeats(7),
            ],
            225 * Second, [true], [0.33]);
    }

    [Theory]
    [InlineData(0.26, true)]    // upper bound on the second half's unfairness
    [InlineData(0.1, false)]    // lower bound: it is unfair
    public void A_flow_that_could_not_use_its_share_gets_some_but_not_all_of_the_lag_back(double margin2, bool expectFair2)
    {
        // TestWindup: flow 1 runs half its threads in the first half (fair there), all in the second half,
        // where the anti-windup bound gives the other flow back only part of its lead.
        Exercise("Windup", LevelShape.Queuing(3, queues: 9, queueLengthLimit: 6, handSize: 1),
            [Client(1001001001, 2, 40, Second, -1), Client(2002002002, 2, 40, Second, -1).SplitInHalves()],
            40 * Second, [true, expectFair2], [0.01, margin2]);
    }

    [Fact]
    public void A_level_without_queues_rejects_past_its_limit_and_is_not_fair()
    {
        // TestDifferentFlowsWithoutQueuing
        var result = Exercise("DifferentFlowsWithoutQueuing", LevelShape.WithoutQueues(4),
            [Client(1001001001, 6, 10, Second, 57 * Millisecond), Client(2002002002, 4, 15, Second, 750 * Millisecond)],
            13 * Second, [false], [0.20], expectAllRequests: false);
        Assert.True(result.Rejects.Sum() == result.Failed);
    }
}
