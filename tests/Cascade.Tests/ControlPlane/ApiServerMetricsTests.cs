using Cascade.ControlPlane;
using Cascade.ControlPlane.Apf;
using Cascade.Engine;
using Cascade.Samples;

namespace Cascade.Tests.ControlPlane;

/// <summary>The API server's books (ApiServerMetrics): 10 s buckets, the 60 s saturation window, the upstream histograms.</summary>
public class ApiServerMetricsTests
{
    private static readonly long Ms = SimTime.TicksPerMillisecond;

    private static ApiServerSample Flush(ApiServerMetrics m, double atSeconds, int replicas = 1) =>
        Flush(m, atSeconds, new double[replicas], new bool[replicas]);

    private static ApiServerSample Flush(ApiServerMetrics m, double atSeconds, double[] cpu, bool[] up, long nodes = 0, long pods = 0, bool etcdUp = true, double etcdCpu = 0)
    {
        m.Flush(SimTime.FromSeconds(atSeconds), cpu, up, nodes, pods, etcdUp, etcdCpu);
        return m.Samples[^1];
    }

    private static double BinOf(long ticks) => LatencyHistogram.BinSeconds(LatencyHistogram.Bin(ticks));

    [Fact]
    public void A_bucket_counts_what_was_issued_and_answered_in_it_and_the_next_starts_from_zero()
    {
        var m = new ApiServerMetrics(levels: 2, replicas: 2);
        m.OnIssued(VerbClass.List);
        m.OnIssued(VerbClass.Watch);
        m.OnIssued(VerbClass.Get);
        m.OnIssued(VerbClass.Mutating);
        m.OnCompleted(1, VerbClass.Get, ReportedVerb.Get, false, 20 * Ms);
        m.OnTimedOut(1, VerbClass.List, ReportedVerb.List, false, 60_000 * Ms);
        m.OnClientTimeout();
        m.OnOom();
        m.OnWatchEventsSent(3, 300);
        m.OnListServed(fromCache: true);
        m.OnListServed(fromCache: false);
        m.OnListServed(fromCache: false);
        var s = Flush(m, 10, [0.5, 0.25], [true, false], nodes: 7, pods: 70, etcdUp: false, etcdCpu: 1.5);
        Assert.Equal((10.0, 4L, 1L, 1L, 1L, 1L, 1L), (s.TimeSeconds, s.Issued, s.Lists, s.Watches, s.Completed, s.TimedOut, s.ClientTimeouts));
        Assert.Equal((1, 3L, 300L, 1L, 2L), (s.OomKills, s.WatchEventsSent, s.WatchBytesSent, s.ListsFromCache, s.ListsFromEtcd));
        Assert.Equal((7L, 70L, false, 1.5), (s.Nodes, s.Pods, s.EtcdUp, s.EtcdCpuSeconds));
        Assert.Equal([0.5, 0.25], s.CpuCoresByReplica);
        Assert.Equal([true, false], s.UpByReplica);
        Assert.Equal((4L, 1L, 1L, 1L, 1L, 1), (m.Issued, m.Lists, m.Completed, m.TimedOut, m.ClientTimeouts, m.Ooms));
        Assert.Equal((3L, 300L, 1L, 2L), (m.WatchEventsSent, m.WatchBytesSent, m.ListsFromCache, m.ListsFromEtcd));

        var next = Flush(m, 20, 2);
        Assert.Equal((0L, 0L, 0L, 0L, 0L, 0L, 0L), (next.Issued, next.Lists, next.Watches, next.Completed, next.TimedOut, next.ClientTimeouts, next.ListsFromEtcd));
        Assert.Equal((0, 0L, 0L, 0L), (next.OomKills, next.WatchEventsSent, next.WatchBytesSent, next.ListsFromCache));
        Assert.Equal((4L, 1L), (m.Issued, m.Lists)); // the run's totals stay
    }

    [Fact]
    public void Latencies_are_kept_per_level_and_per_verb_and_a_watch_is_no_latency()
    {
        var m = new ApiServerMetrics(levels: 3, replicas: 1);
        m.OnCompleted(2, VerbClass.Get, ReportedVerb.Get, false, 10 * Ms);
        m.OnCompleted(2, VerbClass.List, ReportedVerb.List, false, 500 * Ms);
        m.OnCompleted(1, VerbClass.Watch, ReportedVerb.Watch, false, 300_000 * Ms);
        var s = Flush(m, 10);
        Assert.Equal(BinOf(10 * Ms), s.P50ByLevel[2]);
        Assert.Equal(BinOf(500 * Ms), s.P99ByLevel[2]);
        Assert.True(double.IsNaN(s.P50ByLevel[1]));
        Assert.Equal(BinOf(10 * Ms), s.P99ByVerb[(int)VerbClass.Get]);
        Assert.Equal(BinOf(500 * Ms), s.P50ByVerb[(int)VerbClass.List]);
        Assert.True(double.IsNaN(s.P99ByVerb[(int)VerbClass.Watch]));
        Assert.Equal(3, m.Completed);
        Assert.Equal(1, s.RequestsByVerbCode[(int)ReportedVerb.Watch * MetricLabels.Codes + (int)ResponseCode.Ok]);
        Assert.Equal(1, s.RequestDuration.RowCount((int)ReportedVerb.List));
        Assert.Equal(0, s.RequestDuration.RowCount((int)ReportedVerb.Watch));
        Assert.Equal(0.51, s.RequestDuration.SumSeconds((int)ReportedVerb.Get) + s.RequestDuration.SumSeconds((int)ReportedVerb.List), 9);
        Assert.True(double.IsNaN(Flush(m, 20).P50ByLevel[2])); // cleared with the bucket
    }

    [Fact]
    public void Answers_are_counted_by_verb_and_status_code()
    {
        var m = new ApiServerMetrics(levels: 1, replicas: 1);
        m.OnCompleted(0, VerbClass.Watch, ReportedVerb.Watch, false, 0, ResponseCode.Gone);
        m.OnRejected(0, RejectReason.QueueFull, ReportedVerb.List, false);
        m.OnTimedOut(0, VerbClass.Mutating, ReportedVerb.Post, false, Ms);
        m.OnCompleted(0, VerbClass.Mutating, ReportedVerb.Patch, false, Ms);
        var s = Flush(m, 10);
        int Cell(ReportedVerb v, ResponseCode c) => s.RequestsByVerbCode[(int)v * MetricLabels.Codes + (int)c];
        Assert.Equal((1, 1, 1, 1), (Cell(ReportedVerb.Watch, ResponseCode.Gone), Cell(ReportedVerb.List, ResponseCode.TooManyRequests),
            Cell(ReportedVerb.Post, ResponseCode.GatewayTimeout), Cell(ReportedVerb.Patch, ResponseCode.Ok)));
        Assert.Equal(4, s.RequestsByVerbCode.Sum());
        Assert.Equal(0, Flush(m, 20).RequestsByVerbCode.Sum());
    }

    [Fact]
    public void Rejections_are_counted_by_reason_and_level_and_an_unleveled_one_only_by_reason()
    {
        var m = new ApiServerMetrics(levels: 2, replicas: 1);
        m.OnRejected(1, RejectReason.QueueFull, ReportedVerb.List, false);
        m.OnRejected(1, RejectReason.TimeOut, ReportedVerb.List, false);
        m.OnRejected(1, RejectReason.TimeOut, ReportedVerb.List, false);
        m.OnRejected(0, RejectReason.ConcurrencyLimit, ReportedVerb.Get, true);
        m.OnRejected(-1, RejectReason.ConcurrencyLimit, ReportedVerb.Get, true);
        m.OnRejected(0, RejectReason.Cancelled, ReportedVerb.Put, false);
        m.OnUnavailable(exempt: true);
        var s = Flush(m, 10);
        Assert.Equal((1L, 2L, 2L, 1L, 1L), (s.RejectedQueueFull, s.RejectedTimeOut, s.RejectedConcurrencyLimit, s.RejectedCancelled, s.RejectedUnavailable));
        Assert.Equal([2L, 3L], s.RejectedByLevel);
        Assert.Equal([0, 0, 1, 1, 1, 2, 0, 0], s.RejectedByLevelReason);
        Assert.Equal((7L, 1L, 2L, 2L, 1L, 1L), (m.Rejected, m.RejectedQueueFull, m.RejectedQueueTimeOut, m.RejectedConcurrencyLimit, m.RejectedCancelled, m.RejectedUnavailable));
        var next = Flush(m, 20);
        Assert.Equal([0L, 0L], next.RejectedByLevel);
        Assert.Equal(0, next.RejectedByLevelReason.Sum());
        Assert.Equal((0L, 0L, 0L, 0L, 0L), (next.RejectedQueueFull, next.RejectedTimeOut, next.RejectedConcurrencyLimit, next.RejectedCancelled, next.RejectedUnavailable));
    }

    [Fact]
    public void Saturation_is_the_first_bucket_whose_window_fails_more_than_one_percent_of_non_exempt_requests()
    {
        var m = new ApiServerMetrics(levels: 1, replicas: 1);
        for (int i = 0; i < 99; i++) m.OnCompleted(0, VerbClass.Get, ReportedVerb.Get, false, Ms);
        m.OnRejected(0, RejectReason.QueueFull, ReportedVerb.Get, false);
        for (int i = 0; i < 50; i++) m.OnRejected(0, RejectReason.QueueFull, ReportedVerb.Get, exempt: true);
        for (int i = 0; i < 50; i++) m.OnUnavailable(exempt: true);
        var s = Flush(m, 10);
        Assert.Equal(0.01, s.WindowFailureRatio, 12); // one of 100: not over
        Assert.Null(m.SaturatedAtSeconds);
        m.OnUnavailable(exempt: false);
        m.OnCompleted(0, VerbClass.Get, ReportedVerb.Get, false, Ms);
        s = Flush(m, 20);
        Assert.Equal(2 / 102.0, s.WindowFailureRatio, 12);
        Assert.Equal(20.0, m.SaturatedAtSeconds);
        for (int i = 0; i < 9; i++) Flush(m, 30 + 10 * i);
        Assert.Equal(20.0, m.SaturatedAtSeconds); // the first time, kept
    }

    [Fact]
    public void A_timeout_is_a_failure_of_the_window_and_a_latency()
    {
        var m = new ApiServerMetrics(levels: 1, replicas: 1);
        m.OnTimedOut(0, VerbClass.List, ReportedVerb.List, false, 60_000 * Ms);
        var s = Flush(m, 10);
        Assert.Equal(1.0, s.WindowFailureRatio);
        Assert.Equal(BinOf(60_000 * Ms), s.WindowP99Seconds);
        Assert.Equal(BinOf(60_000 * Ms), s.WindowWorstVerbP99Seconds);
        Assert.Equal(10.0, m.SaturatedAtSeconds);
        var exempt = new ApiServerMetrics(levels: 1, replicas: 1);
        exempt.OnTimedOut(0, VerbClass.List, ReportedVerb.List, exempt: true, 60_000 * Ms);
        Assert.Equal((0.0, 0.0), (Flush(exempt, 10).WindowFailureRatio, exempt.Samples[0].WindowP99Seconds));
        Assert.Null(exempt.SaturatedAtSeconds);
    }

    [Fact]
    public void Saturation_is_also_a_window_p99_over_one_second_and_the_window_forgets_after_six_buckets()
    {
        var m = new ApiServerMetrics(levels: 1, replicas: 1);
        m.OnCompleted(0, VerbClass.List, ReportedVerb.List, false, 2_000 * Ms);
        m.OnCompleted(0, VerbClass.Get, ReportedVerb.Get, false, 10 * Ms);
        m.OnCompleted(0, VerbClass.Get, ReportedVerb.Get, exempt: true, 50_000 * Ms);
        var s = Flush(m, 10);
        Assert.Equal(BinOf(2_000 * Ms), s.WindowP99Seconds);
        Assert.Equal(BinOf(2_000 * Ms), s.WindowWorstVerbP99Seconds);
        Assert.Equal(10.0, m.SaturatedAtSeconds);
        for (int i = 1; i <= 4; i++) Assert.Equal(BinOf(2_000 * Ms), Flush(m, 10 + 10 * i).WindowP99Seconds);
        m.OnCompleted(0, VerbClass.Get, ReportedVerb.Get, false, 10 * Ms);
        var sixth = Flush(m, 60);
        Assert.Equal(BinOf(2_000 * Ms), sixth.WindowP99Seconds); // still in the 60 s window
        Assert.Equal(BinOf(10 * Ms), Flush(m, 70).WindowP99Seconds);
        for (int i = 8; i <= 11; i++) Assert.Equal(BinOf(10 * Ms), Flush(m, 10 * i).WindowP99Seconds);
        var empty = Flush(m, 120);
        Assert.Equal((0.0, 0.0, 0.0), (empty.WindowP99Seconds, empty.WindowWorstVerbP99Seconds, empty.WindowFailureRatio));
    }

    [Fact]
    public void The_worst_verb_p99_is_the_slowest_verbs_own_p99()
    {
        // 200 fast GETs hide 2 slow LISTs from the overall p99, not from the LISTs' own.
        var m = new ApiServerMetrics(levels: 1, replicas: 1);
        for (int i = 0; i < 200; i++) m.OnCompleted(0, VerbClass.Get, ReportedVerb.Get, false, Ms);
        for (int i = 0; i < 2; i++) m.OnCompleted(0, VerbClass.List, ReportedVerb.List, false, 3_000 * Ms);
        var s = Flush(m, 10);
        Assert.Equal(BinOf(Ms), s.WindowP99Seconds);
        Assert.Equal(BinOf(3_000 * Ms), s.WindowWorstVerbP99Seconds);
        Assert.Null(m.SaturatedAtSeconds);
    }

    [Fact]
    public void Seats_and_queues_are_averaged_over_the_buckets_samples_and_memory_is_its_peak()
    {
        var m = new ApiServerMetrics(levels: 2, replicas: 2);
        m.SampleSeats([4, 2], [1, 0], 10, [100, 7]);
        m.SampleSeats([2, 0], [3, 2], 20, [50, 9]);
        var s = Flush(m, 10, 2);
        Assert.Equal((4.0, 6.0, 15.0, 3.0), (s.SeatsInUse, s.SeatsInUseMax, s.SeatLimit, s.Queued));
        Assert.Equal([3.0, 1.0], s.SeatsByLevel);
        Assert.Equal([2.0, 1.0], s.QueuedByLevel);
        Assert.Equal([100.0, 9.0], s.MemoryBytesByReplica);
        Assert.Equal(0.6, m.PeakSeatUtilization, 12);
        m.SampleSeats([30, 0], [0, 0], 10, [1, 1]); // more seats than the limit (borrowed, exempt): 100 %
        m.SampleSeats([5, 0], [0, 0], 0, [1, 1]);   // no replica serving: no utilisation
        Assert.Equal(1.0, m.PeakSeatUtilization);
        var next = Flush(m, 20, 2);
        Assert.Equal((17.5, 30.0, 5.0), (next.SeatsInUse, next.SeatsInUseMax, next.SeatLimit));
        Assert.Equal([1.0, 1.0], next.MemoryBytesByReplica);
        var empty = Flush(m, 30, 2);
        Assert.Equal((0.0, 0.0, 0.0, 0.0), (empty.SeatsInUse, empty.SeatsInUseMax, empty.SeatLimit, empty.Queued));
        Assert.Equal([0.0, 0.0], empty.SeatsByLevel);
    }

    [Fact]
    public void Etcds_memory_is_its_peak_per_bucket_and_over_the_run()
    {
        var m = new ApiServerMetrics(levels: 1, replicas: 1);
        m.SampleEtcdMemory(5);
        m.SampleEtcdMemory(9);
        m.SampleEtcdMemory(7);
        Assert.Equal(9, Flush(m, 10).EtcdMemoryBytes);
        m.SampleEtcdMemory(3);
        Assert.Equal(3, Flush(m, 20).EtcdMemoryBytes);
        Assert.Equal(9, m.EtcdPeakMemoryBytes);
        m.OnEtcdOom();
        m.OnBlocked();
        m.OnBlocked();
        Assert.Equal((1, 2L), (m.EtcdOoms, m.BlockedAttempts));
    }

    [Fact]
    public void Waits_in_apf_and_etcd_times_land_in_the_upstream_buckets()
    {
        var m = new ApiServerMetrics(levels: 2, replicas: 1);
        m.OnWaited(1, executed: true, 30 * Ms);     // ≤ 0.05
        m.OnWaited(1, executed: false, 0);          // ≤ 0
        m.OnEtcdServed(EtcdOperation.List, 100 * Ms); // ≤ 0.1, the bound itself
        var s = Flush(m, 10);
        Assert.Equal(1, s.FlowControlWait.Count(1 * 2 + 1, 3));
        Assert.Equal(1, s.FlowControlWait.Count(1 * 2 + 0, 0));
        Assert.Equal(1, s.EtcdRequestDuration.Count((int)EtcdOperation.List, 3));
        Assert.Equal(0.1, s.EtcdRequestDuration.SumSeconds((int)EtcdOperation.List), 12);
        Assert.Equal(0, Flush(m, 20).EtcdRequestDuration.RowCount((int)EtcdOperation.List));
    }

    [Fact]
    public void An_upstream_histogram_counts_a_value_in_the_first_bucket_whose_bound_holds_it_and_past_the_last_in_inf()
    {
        var h = new UpstreamHistogram([1, 2, 5], rows: 2);
        h.Observe(0, 1);
        h.Observe(0, 1.5);
        h.Observe(1, 5.0001);
        h.Observe(1, 0);
        var c = h.Take();
        Assert.Equal((1, 1, 0, 0), (c.Count(0, 0), c.Count(0, 1), c.Count(0, 2), c.Count(0, 3)));
        Assert.Equal((1, 1), (c.Count(1, 0), c.Count(1, 3)));
        Assert.Equal((2.5, 5.0001), (c.SumSeconds(0), c.SumSeconds(1)));
        var none = h.Take();
        Assert.Equal((0L, 0.0), (none.RowCount(0), none.SumSeconds(1)));
        Assert.Equal([1.0, 2, 5], none.Bounds);
    }
}
