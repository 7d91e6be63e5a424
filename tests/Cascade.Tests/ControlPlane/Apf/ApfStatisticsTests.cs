using Cascade.ControlPlane.Apf;
using Cascade.Engine;

namespace Cascade.Tests.ControlPlane.Apf;

/// <summary>APF's two pieces of arithmetic over time on their own: the Retry-After of its 429s and a level's seat-demand statistics.</summary>
public class ApfStatisticsTests
{
    private static long Drop(ref DroppedRequestsTracker t, long second, int times = 1)
    {
        for (int i = 0; i < times; i++) t.RecordDroppedRequest(second);
        return t.RetryAfterSeconds;
    }

    [Fact]
    public void Retry_after_doubles_when_the_last_seconds_dropped_three_times_it_and_falls_by_one_when_they_dropped_fewer_than_it()
    {
        var t = new DroppedRequestsTracker();
        t.Start();
        Assert.Equal(1, t.RetryAfterSeconds);
        Assert.Equal(1, Drop(ref t, 100, 3)); // counted within the second: nothing changes between seconds
        Assert.Equal(2, Drop(ref t, 101));    // 3 in the last 1 s ≥ 3 × 1
        Assert.Equal(2, Drop(ref t, 101, 5)); // 6 in second 101
        Assert.Equal(2, Drop(ref t, 102));    // 9 in the last 2 s ≥ 6, but only 1 s since it rose
        Assert.Equal(4, Drop(ref t, 103));    // 7 in 101–102, 2 s since it rose
        Assert.Equal(3, Drop(ref t, 200));    // nothing in the last 4 s
        Assert.Equal(2, Drop(ref t, 201));    // 1 in the last 3 s
        Assert.Equal(2, Drop(ref t, 202));    // 2 in the last 2 s: not fewer than 2
        Assert.Equal(1, Drop(ref t, 300));
        Assert.Equal(1, Drop(ref t, 400));    // never under 1
    }

    [Fact]
    public void Under_sustained_drops_retry_after_climbs_to_32_seconds_and_stays()
    {
        var t = new DroppedRequestsTracker();
        t.Start();
        var seen = new List<long>();
        for (long s = 1; s <= 200; s++) seen.Add(Drop(ref t, s, 100));
        Assert.Equal([1, 2, 4, 8, 16, 32], seen.Distinct());
        Assert.Equal(32, seen[^1]);
        Assert.Equal(32, DroppedRequestsTracker.MaxRetryAfterSeconds);
        t.Start();
        Assert.Equal(1, t.RetryAfterSeconds);
        Assert.Equal(1, Drop(ref t, 5000, 2)); // a fresh history: two drops in one second are not three
        Assert.Equal(1, Drop(ref t, 5001));
    }

    [Fact]
    public void Drops_older_than_the_retry_after_window_do_not_count()
    {
        var t = new DroppedRequestsTracker();
        t.Start();
        Drop(ref t, 10, 3);
        Assert.Equal(1, Drop(ref t, 12)); // second 10 is 2 s back, outside a 1 s window
    }

    [Fact]
    public void Seat_demand_is_integrated_over_time_into_its_average_deviation_and_high_watermark()
    {
        var d = new SeatDemandIntegrator();
        d.Start(0);
        d.Set(0, 2);
        d.Set(SimTime.FromSeconds(1), 4);
        var peek = d.Peek(SimTime.FromSeconds(3));
        Assert.Equal(3.0, peek.Seconds, 12);
        Assert.Equal(10 / 3.0, peek.Average, 12);
        Assert.Equal(Math.Sqrt(12 - 100 / 9.0), peek.Deviation, 12);
        d.EndPeriod(SimTime.FromSeconds(3));
        Assert.Equal((4.0, 10 / 3.0), (d.HighWatermark, d.Average));
        Assert.Equal(Math.Sqrt(12 - 100 / 9.0), d.StdDev, 12);
        double first = 10 / 3.0 + Math.Sqrt(12 - 100 / 9.0);
        Assert.Equal(first, d.Smoothed, 12);
        // Ten quiet seconds at 4: the envelope is 4, the smoothed demand decays toward it by 2.3 %.
        d.EndPeriod(SimTime.FromSeconds(13));
        Assert.Equal((4.0, 4.0, 0.0), (d.HighWatermark, d.Average, d.StdDev));
        Assert.Equal(0.977 * first + 0.023 * 4, d.Smoothed, 12);
        // A higher envelope replaces it at once.
        d.Set(SimTime.FromSeconds(13), 10);
        d.EndPeriod(SimTime.FromSeconds(23));
        Assert.Equal((10.0, 10.0), (d.HighWatermark, d.Smoothed));
    }

    [Fact]
    public void A_period_of_no_time_has_no_moments_and_keeps_the_statistics_but_its_high_watermark()
    {
        var d = new SeatDemandIntegrator();
        d.Start(SimTime.FromSeconds(5));
        var none = d.Peek(SimTime.FromSeconds(5));
        Assert.Equal(0, none.Seconds);
        Assert.True(double.IsNaN(none.Average) && double.IsNaN(none.Deviation));
        d.Set(SimTime.FromSeconds(5), 3);
        d.Set(SimTime.FromSeconds(5), 1);
        d.EndPeriod(SimTime.FromSeconds(5));
        Assert.Equal((3.0, 0.0, 0.0), (d.HighWatermark, d.Average, d.Smoothed));
        d.EndPeriod(SimTime.FromSeconds(15)); // the watermark starts again from the demand now
        Assert.Equal((1.0, 1.0, 1.0), (d.HighWatermark, d.Average, d.Smoothed));
        Assert.Equal(0.977, SeatDemandIntegrator.SmoothingCoefficient);
    }

    /// <summary>Feeds the same demand history, cut at <paramref name="cuts"/> extra instants where the demand does not change.</summary>
    private static SeatDemandIntegrator Integrate((long At, int Seats)[] history, long end, IEnumerable<long> cuts)
    {
        var d = new SeatDemandIntegrator();
        d.Start(0);
        var points = history.Select(h => (h.At, Order: 0, h.Seats))
            .Concat(cuts.Where(c => c < end).Select(c => (At: c, Order: 1, Seats: -1)))
            .OrderBy(p => p.At).ThenBy(p => p.Order);
        int seats = 0;
        foreach (var (at, order, x) in points)
        {
            if (order == 0) seats = x;
            d.Set(at, seats);
        }
        return d;
    }

    [Fact]
    public void The_same_demand_history_gives_the_same_bits_however_it_is_cut_into_changes()
    {
        // What an aggregate of many requests rests on: repeating the demand at any instants changes no bit.
        (long, int)[] history = [(0, 3), (SimTime.FromMilliseconds(1234), 7), (SimTime.FromMilliseconds(4567), 1), (SimTime.FromSeconds(8), 5)];
        long end = SimTime.FromSeconds(10);
        var whole = Integrate(history, end, []);
        var rng = new Random(7);
        var cuts = Enumerable.Range(0, 997).Select(_ => (long)rng.Next(1, (int)end)).ToArray();
        var cut = Integrate(history, end, cuts);
        var even = Integrate(history, end, Enumerable.Range(1, 999).Select(i => i * SimTime.FromMilliseconds(10)));
        foreach (var d in new[] { cut, even })
        {
            Assert.Equal(whole.Peek(end), d.Peek(end));
            var (a, b) = (whole, d);
            a.EndPeriod(end);
            b.EndPeriod(end);
            Assert.Equal((a.HighWatermark, a.Average, a.StdDev, a.Smoothed), (b.HighWatermark, b.Average, b.StdDev, b.Smoothed));
        }
        // 3 × 1.234 + 7 × 3.333 + 1 × 3.433 + 5 × 2 seat-seconds over 10 s.
        Assert.Equal((3 * 1.234 + 7 * 3.333 + 3.433 + 10) / 10, whole.Peek(end).Average, 12);
    }

    [Fact]
    public void A_constant_demand_has_no_deviation_however_it_is_cut()
    {
        // Summed in floating seconds, 0.01 s pieces leave the variance a hair off zero (either sign).
        var d = Integrate([(0, 5)], SimTime.FromSeconds(10), Enumerable.Range(1, 999).Select(i => i * SimTime.FromMilliseconds(10) + 3));
        var m = d.Peek(SimTime.FromSeconds(10));
        Assert.Equal((10.0, 5.0, 0.0), (m.Seconds, m.Average, m.Deviation));
    }

    [Fact]
    public void A_large_demand_over_a_long_run_keeps_its_moments()
    {
        // 64,000 seats (128 queues of 50 requests of 10 seats) for a day, then 0 for a day: the squares pass 2^63 seat²-ticks.
        var d = new SeatDemandIntegrator();
        d.Start(0);
        d.Set(0, 64_000);
        d.Set(SimTime.FromSeconds(24 * 3600), 0);
        var m = d.Peek(SimTime.FromSeconds(48 * 3600));
        Assert.Equal((48 * 3600.0, 32_000.0, 32_000.0), (m.Seconds, m.Average, m.Deviation));
    }
}
