using Cascade.Results;
using Cascade.Samples;

namespace Cascade.Tests.Results;

/// <summary>
/// The OpenMetrics writer on two hand-made 10 s buckets of one cluster (no simulation), read line by line:
/// which series are written, in which family, with which labels, values and timestamps.
/// </summary>
public class OpenMetricsHandMadeTests
{
    private const long Start = 1000;

    /// <summary>A sparse histogram bucket: (row, bucket, count) cells and each row's sum.</summary>
    private static HistogramCounts Histogram(double[] bounds, int rows, (int Row, int Bucket, int Count)[] cells, params (int Row, double Sum)[] sums)
    {
        var s = new double[rows];
        foreach (var (row, sum) in sums) s[row] = sum;
        var c = cells.Select(x => ((long)(x.Row * (bounds.Length + 1) + x.Bucket) << 32) | (uint)x.Count).Order().ToArray();
        return new HistogramCounts(bounds, c, s);
    }

    private static int[] At(int length, params (int Index, int Value)[] values)
    {
        var a = new int[length];
        foreach (var (i, v) in values) a[i] = v;
        return a;
    }

    /// <summary>
    /// Levels exempt (dispatched and rejected), idle (never used) and global (rejected only); replica 1 comes up in the
    /// second bucket; etcd is down at the end of it; two CoreDNS replicas, the second running from the second bucket.
    /// </summary>
    internal static ClusterSamples Cluster(string name = "east")
    {
        double[] b2 = [0.5, 1];
        var first = new ApiServerSample
        {
            TimeSeconds = 10,
            SeatsByLevel = [3, 0, 0], QueuedByLevel = [1, 0, 0], RejectedByLevel = [1, 0, 0],
            RejectedByLevelReason = At(12, (0, 1), (11, 1)),
            FlowControlWait = Histogram(b2, 6, [(0, 2, 1), (1, 0, 2)], (0, 3), (1, 0.25)),
            RequestsByVerbCode = At(28, (0, 2), (6, 1)),
            RequestDuration = Histogram(b2, 7, [(0, 1, 2)], (0, 1.5)),
            EtcdRequestDuration = Histogram([0.1], 5, [(1, 0, 1)], (1, 0.05)),
            CpuCoresByReplica = [0.5, 0], MemoryBytesByReplica = [100, 0], UpByReplica = [true, false],
            EtcdCpuSeconds = 1.5, EtcdMemoryBytes = 200, EtcdUp = true,
        };
        var second = new ApiServerSample
        {
            TimeSeconds = 20,
            SeatsByLevel = [1, 0, 0], QueuedByLevel = [0, 0, 0], RejectedByLevel = [0, 0, 2],
            RejectedByLevelReason = At(12, (10, 2)),
            FlowControlWait = Histogram(b2, 6, [(1, 1, 1)], (1, 0.75)),
            RequestsByVerbCode = At(28, (0, 1)),
            RequestDuration = Histogram(b2, 7, [(0, 2, 1)], (0, 5)),
            EtcdRequestDuration = HistogramCounts.None([0.1]),
            CpuCoresByReplica = [1, 2], MemoryBytesByReplica = [150, 300], UpByReplica = [true, true],
            EtcdCpuSeconds = 2.5, EtcdMemoryBytes = 250, EtcdUp = false,
        };
        var dp = new DataPlaneSamples(2,
        [
            new DataPlaneSample(10, 0, 0, 0, 1, 10, 0, 0, new CoreDnsBucket([10, 0], [8, 0], [1, 0], [5e6, 0])),
            new DataPlaneSample(20, 0, 0, 0, 2, 24, 0, 0, new CoreDnsBucket([20, 4], [20, 3], [0, 1], [6e6, 7e6])),
        ], []);
        return new ClusterSamples(name, ["exempt", "idle", "global"], 2, [first, second], dp);
    }

    private static string Write(params ClusterSamples[] clusters)
    {
        var w = new StringWriter();
        OpenMetrics.Write(w, clusters, Start);
        return w.ToString();
    }

    /// <summary>
    /// Checked by hand against the samples above: gauges as sampled, counters as running totals of the buckets'
    /// increments (a replica's CPU from the bucket it first came up in), histograms cumulative over le and time, a level
    /// or verb that saw nothing left out, a replica or etcd that is down left out of the memory gauge, every point at
    /// Start + the bucket's end.
    /// </summary>
    private const string Expected = """
        # HELP apiserver_flowcontrol_current_executing_seats Concurrency (number of seats) occupied by the currently executing (initial stage for a WATCH, any stage otherwise) requests in the API Priority and Fairness subsystem
        # TYPE apiserver_flowcontrol_current_executing_seats gauge
        apiserver_flowcontrol_current_executing_seats{cluster="east",job="apiserver",priority_level="exempt"} 3 1010
        apiserver_flowcontrol_current_executing_seats{cluster="east",job="apiserver",priority_level="exempt"} 1 1020
        apiserver_flowcontrol_current_executing_seats{cluster="east",job="apiserver",priority_level="global"} 0 1010
        apiserver_flowcontrol_current_executing_seats{cluster="east",job="apiserver",priority_level="global"} 0 1020
        # HELP apiserver_flowcontrol_current_inqueue_requests Number of requests currently pending in queues of the API Priority and Fairness subsystem
        # TYPE apiserver_flowcontrol_current_inqueue_requests gauge
        apiserver_flowcontrol_current_inqueue_requests{cluster="east",job="apiserver",priority_level="exempt"} 1 1010
        apiserver_flowcontrol_current_inqueue_requests{cluster="east",job="apiserver",priority_level="exempt"} 0 1020
        apiserver_flowcontrol_current_inqueue_requests{cluster="east",job="apiserver",priority_level="global"} 0 1010
        apiserver_flowcontrol_current_inqueue_requests{cluster="east",job="apiserver",priority_level="global"} 0 1020
        # HELP apiserver_flowcontrol_dispatched_requests_total Number of requests executed by API Priority and Fairness subsystem
        # TYPE apiserver_flowcontrol_dispatched_requests_total counter
        apiserver_flowcontrol_dispatched_requests_total{cluster="east",job="apiserver",priority_level="exempt"} 2 1010
        apiserver_flowcontrol_dispatched_requests_total{cluster="east",job="apiserver",priority_level="exempt"} 3 1020
        apiserver_flowcontrol_dispatched_requests_total{cluster="east",job="apiserver",priority_level="global"} 0 1010
        apiserver_flowcontrol_dispatched_requests_total{cluster="east",job="apiserver",priority_level="global"} 0 1020
        # HELP apiserver_flowcontrol_rejected_requests_total Number of requests rejected by API Priority and Fairness subsystem
        # TYPE apiserver_flowcontrol_rejected_requests_total counter
        apiserver_flowcontrol_rejected_requests_total{cluster="east",job="apiserver",priority_level="exempt",reason="queue-full"} 1 1010
        apiserver_flowcontrol_rejected_requests_total{cluster="east",job="apiserver",priority_level="exempt",reason="queue-full"} 1 1020
        apiserver_flowcontrol_rejected_requests_total{cluster="east",job="apiserver",priority_level="exempt",reason="time-out"} 0 1010
        apiserver_flowcontrol_rejected_requests_total{cluster="east",job="apiserver",priority_level="exempt",reason="time-out"} 0 1020
        apiserver_flowcontrol_rejected_requests_total{cluster="east",job="apiserver",priority_level="exempt",reason="concurrency-limit"} 0 1010
        apiserver_flowcontrol_rejected_requests_total{cluster="east",job="apiserver",priority_level="exempt",reason="concurrency-limit"} 0 1020
        apiserver_flowcontrol_rejected_requests_total{cluster="east",job="apiserver",priority_level="exempt",reason="cancelled"} 0 1010
        apiserver_flowcontrol_rejected_requests_total{cluster="east",job="apiserver",priority_level="exempt",reason="cancelled"} 0 1020
        apiserver_flowcontrol_rejected_requests_total{cluster="east",job="apiserver",priority_level="global",reason="queue-full"} 0 1010
        apiserver_flowcontrol_rejected_requests_total{cluster="east",job="apiserver",priority_level="global",reason="queue-full"} 0 1020
        apiserver_flowcontrol_rejected_requests_total{cluster="east",job="apiserver",priority_level="global",reason="time-out"} 0 1010
        apiserver_flowcontrol_rejected_requests_total{cluster="east",job="apiserver",priority_level="global",reason="time-out"} 0 1020
        apiserver_flowcontrol_rejected_requests_total{cluster="east",job="apiserver",priority_level="global",reason="concurrency-limit"} 0 1010
        apiserver_flowcontrol_rejected_requests_total{cluster="east",job="apiserver",priority_level="global",reason="concurrency-limit"} 2 1020
        apiserver_flowcontrol_rejected_requests_total{cluster="east",job="apiserver",priority_level="global",reason="cancelled"} 1 1010
        apiserver_flowcontrol_rejected_requests_total{cluster="east",job="apiserver",priority_level="global",reason="cancelled"} 1 1020
        # HELP apiserver_flowcontrol_request_wait_duration_seconds Length of time a request spent waiting in its queue
        # TYPE apiserver_flowcontrol_request_wait_duration_seconds histogram
        apiserver_flowcontrol_request_wait_duration_seconds_bucket{cluster="east",job="apiserver",priority_level="exempt",execute="true",le="0.5"} 2 1010
        apiserver_flowcontrol_request_wait_duration_seconds_bucket{cluster="east",job="apiserver",priority_level="exempt",execute="true",le="1"} 2 1010
        apiserver_flowcontrol_request_wait_duration_seconds_bucket{cluster="east",job="apiserver",priority_level="exempt",execute="true",le="+Inf"} 2 1010
        apiserver_flowcontrol_request_wait_duration_seconds_sum{cluster="east",job="apiserver",priority_level="exempt",execute="true"} 0.25 1010
        apiserver_flowcontrol_request_wait_duration_seconds_count{cluster="east",job="apiserver",priority_level="exempt",execute="true"} 2 1010
        apiserver_flowcontrol_request_wait_duration_seconds_bucket{cluster="east",job="apiserver",priority_level="exempt",execute="true",le="0.5"} 2 1020
        apiserver_flowcontrol_request_wait_duration_seconds_bucket{cluster="east",job="apiserver",priority_level="exempt",execute="true",le="1"} 3 1020
        apiserver_flowcontrol_request_wait_duration_seconds_bucket{cluster="east",job="apiserver",priority_level="exempt",execute="true",le="+Inf"} 3 1020
        apiserver_flowcontrol_request_wait_duration_seconds_sum{cluster="east",job="apiserver",priority_level="exempt",execute="true"} 1 1020
        apiserver_flowcontrol_request_wait_duration_seconds_count{cluster="east",job="apiserver",priority_level="exempt",execute="true"} 3 1020
        apiserver_flowcontrol_request_wait_duration_seconds_bucket{cluster="east",job="apiserver",priority_level="exempt",execute="false",le="0.5"} 0 1010
        apiserver_flowcontrol_request_wait_duration_seconds_bucket{cluster="east",job="apiserver",priority_level="exempt",execute="false",le="1"} 0 1010
        apiserver_flowcontrol_request_wait_duration_seconds_bucket{cluster="east",job="apiserver",priority_level="exempt",execute="false",le="+Inf"} 1 1010
        apiserver_flowcontrol_request_wait_duration_seconds_sum{cluster="east",job="apiserver",priority_level="exempt",execute="false"} 3 1010
        apiserver_flowcontrol_request_wait_duration_seconds_count{cluster="east",job="apiserver",priority_level="exempt",execute="false"} 1 1010
        apiserver_flowcontrol_request_wait_duration_seconds_bucket{cluster="east",job="apiserver",priority_level="exempt",execute="false",le="0.5"} 0 1020
        apiserver_flowcontrol_request_wait_duration_seconds_bucket{cluster="east",job="apiserver",priority_level="exempt",execute="false",le="1"} 0 1020
        apiserver_flowcontrol_request_wait_duration_seconds_bucket{cluster="east",job="apiserver",priority_level="exempt",execute="false",le="+Inf"} 1 1020
        apiserver_flowcontrol_request_wait_duration_seconds_sum{cluster="east",job="apiserver",priority_level="exempt",execute="false"} 3 1020
        apiserver_flowcontrol_request_wait_duration_seconds_count{cluster="east",job="apiserver",priority_level="exempt",execute="false"} 1 1020
        # HELP apiserver_request_total Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.
        # TYPE apiserver_request_total counter
        apiserver_request_total{cluster="east",job="apiserver",verb="GET",code="200"} 2 1010
        apiserver_request_total{cluster="east",job="apiserver",verb="GET",code="200"} 3 1020
        apiserver_request_total{cluster="east",job="apiserver",verb="LIST",code="429"} 1 1010
        apiserver_request_total{cluster="east",job="apiserver",verb="LIST",code="429"} 1 1020
        # HELP apiserver_request_duration_seconds Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.
        # TYPE apiserver_request_duration_seconds histogram
        apiserver_request_duration_seconds_bucket{cluster="east",job="apiserver",verb="GET",le="0.5"} 0 1010
        apiserver_request_duration_seconds_bucket{cluster="east",job="apiserver",verb="GET",le="1"} 2 1010
        apiserver_request_duration_seconds_bucket{cluster="east",job="apiserver",verb="GET",le="+Inf"} 2 1010
        apiserver_request_duration_seconds_sum{cluster="east",job="apiserver",verb="GET"} 1.5 1010
        apiserver_request_duration_seconds_count{cluster="east",job="apiserver",verb="GET"} 2 1010
        apiserver_request_duration_seconds_bucket{cluster="east",job="apiserver",verb="GET",le="0.5"} 0 1020
        apiserver_request_duration_seconds_bucket{cluster="east",job="apiserver",verb="GET",le="1"} 2 1020
        apiserver_request_duration_seconds_bucket{cluster="east",job="apiserver",verb="GET",le="+Inf"} 3 1020
        apiserver_request_duration_seconds_sum{cluster="east",job="apiserver",verb="GET"} 6.5 1020
        apiserver_request_duration_seconds_count{cluster="east",job="apiserver",verb="GET"} 3 1020
        # HELP etcd_request_duration_seconds Etcd request latency in seconds for each operation and object type.
        # TYPE etcd_request_duration_seconds histogram
        etcd_request_duration_seconds_bucket{cluster="east",job="apiserver",operation="list",le="0.1"} 1 1010
        etcd_request_duration_seconds_bucket{cluster="east",job="apiserver",operation="list",le="+Inf"} 1 1010
        etcd_request_duration_seconds_sum{cluster="east",job="apiserver",operation="list"} 0.05 1010
        etcd_request_duration_seconds_count{cluster="east",job="apiserver",operation="list"} 1 1010
        etcd_request_duration_seconds_bucket{cluster="east",job="apiserver",operation="list",le="0.1"} 1 1020
        etcd_request_duration_seconds_bucket{cluster="east",job="apiserver",operation="list",le="+Inf"} 1 1020
        etcd_request_duration_seconds_sum{cluster="east",job="apiserver",operation="list"} 0.05 1020
        etcd_request_duration_seconds_count{cluster="east",job="apiserver",operation="list"} 1 1020
        # HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
        # TYPE process_cpu_seconds_total counter
        process_cpu_seconds_total{cluster="east",job="apiserver",replica="apiserver-0"} 5 1010
        process_cpu_seconds_total{cluster="east",job="apiserver",replica="apiserver-0"} 15 1020
        process_cpu_seconds_total{cluster="east",job="apiserver",replica="apiserver-1"} 20 1020
        process_cpu_seconds_total{cluster="east",job="etcd"} 1.5 1010
        process_cpu_seconds_total{cluster="east",job="etcd"} 2.5 1020
        # HELP process_resident_memory_bytes Resident memory size in bytes.
        # TYPE process_resident_memory_bytes gauge
        process_resident_memory_bytes{cluster="east",job="apiserver",replica="apiserver-0"} 100 1010
        process_resident_memory_bytes{cluster="east",job="apiserver",replica="apiserver-0"} 150 1020
        process_resident_memory_bytes{cluster="east",job="apiserver",replica="apiserver-1"} 300 1020
        process_resident_memory_bytes{cluster="east",job="etcd"} 200 1010
        process_resident_memory_bytes{cluster="east",job="coredns",replica="coredns-0"} 5000000 1010
        process_resident_memory_bytes{cluster="east",job="coredns",replica="coredns-0"} 6000000 1020
        process_resident_memory_bytes{cluster="east",job="coredns",replica="coredns-1"} 7000000 1020
        # HELP up 1 if the target is up (serving), 0 if it is down.
        # TYPE up gauge
        up{cluster="east",job="apiserver",replica="apiserver-0"} 1 1010
        up{cluster="east",job="apiserver",replica="apiserver-0"} 1 1020
        up{cluster="east",job="apiserver",replica="apiserver-1"} 1 1020
        up{cluster="east",job="etcd"} 1 1010
        up{cluster="east",job="etcd"} 0 1020
        # HELP coredns_dns_requests_total Counter of DNS requests made per zone, protocol and family.
        # TYPE coredns_dns_requests_total counter
        coredns_dns_requests_total{cluster="east",job="coredns",replica="coredns-0"} 10 1010
        coredns_dns_requests_total{cluster="east",job="coredns",replica="coredns-0"} 30 1020
        coredns_dns_requests_total{cluster="east",job="coredns",replica="coredns-1"} 0 1010
        coredns_dns_requests_total{cluster="east",job="coredns",replica="coredns-1"} 4 1020
        # HELP coredns_dns_responses_total Counter of response status codes.
        # TYPE coredns_dns_responses_total counter
        coredns_dns_responses_total{cluster="east",job="coredns",replica="coredns-0",rcode="NOERROR"} 8 1010
        coredns_dns_responses_total{cluster="east",job="coredns",replica="coredns-0",rcode="NOERROR"} 28 1020
        coredns_dns_responses_total{cluster="east",job="coredns",replica="coredns-0",rcode="SERVFAIL"} 1 1010
        coredns_dns_responses_total{cluster="east",job="coredns",replica="coredns-0",rcode="SERVFAIL"} 1 1020
        coredns_dns_responses_total{cluster="east",job="coredns",replica="coredns-1",rcode="NOERROR"} 0 1010
        coredns_dns_responses_total{cluster="east",job="coredns",replica="coredns-1",rcode="NOERROR"} 3 1020
        coredns_dns_responses_total{cluster="east",job="coredns",replica="coredns-1",rcode="SERVFAIL"} 0 1010
        coredns_dns_responses_total{cluster="east",job="coredns",replica="coredns-1",rcode="SERVFAIL"} 1 1020
        # EOF
        """;

    [Fact]
    public void Two_buckets_of_one_cluster_give_exactly_these_families_series_values_and_timestamps()
    {
        Assert.Equal(Expected.ReplaceLineEndings("\n") + "\n", Write(Cluster()));
    }

    [Fact]
    public void A_second_cluster_adds_its_series_inside_each_family_written_once_and_a_replica_never_up_has_none()
    {
        var west = Cluster("we\"st");
        var neverUp = west with
        {
            ApiServer = west.ApiServer.Select(s => new ApiServerSample
            {
                TimeSeconds = s.TimeSeconds, SeatsByLevel = s.SeatsByLevel, QueuedByLevel = s.QueuedByLevel, RejectedByLevel = s.RejectedByLevel,
                RejectedByLevelReason = s.RejectedByLevelReason, FlowControlWait = s.FlowControlWait, RequestsByVerbCode = s.RequestsByVerbCode,
                RequestDuration = s.RequestDuration, EtcdRequestDuration = s.EtcdRequestDuration,
                CpuCoresByReplica = s.CpuCoresByReplica, MemoryBytesByReplica = s.MemoryBytesByReplica, UpByReplica = [true, false],
            }).ToList(),
            DataPlane = null,
        };
        var text = Write(Cluster(), neverUp);
        var lines = text.Split('\n');
        Assert.Equal(13, lines.Count(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)));
        Assert.Equal(2, lines.Count(l => l.StartsWith("apiserver_flowcontrol_current_executing_seats{cluster=\"we\\\"st\"", StringComparison.Ordinal)
            && l.Contains("priority_level=\"exempt\"", StringComparison.Ordinal)));
        // Within a family, the first cluster's series come before the second's.
        int seatsWest = Array.FindIndex(lines, l => l.StartsWith("apiserver_flowcontrol_current_executing_seats{cluster=\"we", StringComparison.Ordinal));
        int seatsEastLast = Array.FindLastIndex(lines, l => l.StartsWith("apiserver_flowcontrol_current_executing_seats{cluster=\"east\"", StringComparison.Ordinal));
        int queuedFirst = Array.FindIndex(lines, l => l.StartsWith("# HELP apiserver_flowcontrol_current_inqueue_requests", StringComparison.Ordinal));
        Assert.True(seatsEastLast < seatsWest && seatsWest < queuedFirst);
        Assert.DoesNotContain(lines, l => l.Contains("we\\\"st\",job=\"apiserver\",replica=\"apiserver-1\"", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("we\\\"st\",job=\"coredns\"", StringComparison.Ordinal));
        Assert.Contains("up{cluster=\"we\\\"st\",job=\"apiserver\",replica=\"apiserver-0\"} 1 1010", lines);
        Assert.EndsWith("\n# EOF\n", text);
    }

    [Fact]
    public void Label_values_escape_backslash_quote_and_newline_as_OpenMetrics_quotes_them()
    {
        Assert.Equal("a\\\\b\\\"c\\nd", OpenMetrics.Escape("a\\b\"c\nd"));
        Assert.Equal("plain", OpenMetrics.Escape("plain"));
    }

    [Fact]
    public void Points_are_stamped_with_the_start_plus_the_bucket_end_rounded_to_the_second()
    {
        var c = new ClusterSamples("c", [], 0, [new ApiServerSample { TimeSeconds = 10.4, EtcdUp = true, RequestsByVerbCode = new int[28] }, new ApiServerSample { TimeSeconds = 20.6, RequestsByVerbCode = new int[28] }], null);
        var w = new StringWriter();
        OpenMetrics.Write(w, [c], 1_733_957_460);
        Assert.Contains("up{cluster=\"c\",job=\"etcd\"} 1 1733957470\n", w.ToString());
        Assert.Contains("up{cluster=\"c\",job=\"etcd\"} 0 1733957481\n", w.ToString());
    }
}
