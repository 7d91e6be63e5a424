using Cascade.ControlPlane;
using Cascade.Fleet;
using Cascade.Samples;
using static Cascade.Tests.Fleet.FleetHarness;

namespace Cascade.Tests.Fleet;

/// <summary>What gates and alerts read off a cluster: the last 10 s bucket of its API servers' measurements, its nodes and products, the change's pods.</summary>
public class SignalReaderTests
{
    /// <summary>Closes a bucket of the stub's API server measurements at <paramref name="at"/> seconds.</summary>
    private static void Bucket(StubCluster c, double at, int seats = 0, int limit = 0, double latency = 0, bool failed = false)
    {
        var m = c.Api.Metrics;
        var seatsByLevel = new int[c.Api.Levels];
        seatsByLevel[0] = seats;
        m.SampleSeats(seatsByLevel, new int[c.Api.Levels], limit, new long[c.Api.ReplicaSlots]);
        if (latency > 0) m.OnCompleted(1, VerbClass.List, ReportedVerb.List, false, At(latency));
        if (failed) m.OnTimedOut(1, VerbClass.Get, ReportedVerb.Get, false, At(60));
        m.Flush(At(at), new double[c.Api.ReplicaSlots], new bool[c.Api.ReplicaSlots]);
    }

    [Theory]
    [InlineData(Signal.ApiserverLatencyP99)]
    [InlineData(Signal.ApiserverErrorRate)]
    [InlineData(Signal.SeatUtilization)]
    [InlineData(Signal.ChangeCpu)]
    [InlineData(Signal.ChangeMemory)]
    [InlineData(Signal.NodesNotReady)]
    [InlineData(Signal.ProductErrorRate)]
    [InlineData((Signal)99)]
    public void Before_any_measurement_every_signal_reads_zero(Signal signal)
    {
        Assert.Equal(0, SignalReader.Read(new StubCluster("a"), signal, "chg"));
    }

    [Fact]
    public void Seat_utilization_is_the_last_buckets_seats_in_use_over_its_limit()
    {
        var c = new StubCluster("a");
        Bucket(c, 10, seats: 30, limit: 40);
        Bucket(c, 20, seats: 10, limit: 40);
        Assert.Equal(0.25, SignalReader.Read(c, Signal.SeatUtilization, null));
    }

    [Fact]
    public void Seat_utilization_without_a_limit_reads_zero()
    {
        var c = new StubCluster("a");
        Bucket(c, 10, seats: 30, limit: 0);
        Assert.Equal(0, SignalReader.Read(c, Signal.SeatUtilization, null));
    }

    [Fact]
    public void Latency_and_error_rate_are_the_last_buckets_windowed_worst_verb_p99_and_failure_ratio()
    {
        var c = new StubCluster("a");
        Bucket(c, 10, latency: 3, failed: true);
        Bucket(c, 20);
        var last = c.Api.Metrics.Samples[^1];
        Assert.True(last.WindowWorstVerbP99Seconds > 1);
        Assert.True(last.WindowFailureRatio > 0);
        Assert.Equal(last.WindowWorstVerbP99Seconds, SignalReader.Read(c, Signal.ApiserverLatencyP99, null));
        Assert.Equal(last.WindowFailureRatio, SignalReader.Read(c, Signal.ApiserverErrorRate, null));
        Assert.Equal(0, SignalReader.Read(c, Signal.SeatUtilization, null));
    }

    [Fact]
    public void Nodes_not_ready_and_the_products_error_rate_are_the_clusters_own()
    {
        var c = new StubCluster("a") { NotReady = () => 7, ErrorRate = () => 0.3 };
        Assert.Equal(7, SignalReader.Read(c, Signal.NodesNotReady, null));
        Assert.Equal(0.3, SignalReader.Read(c, Signal.ProductErrorRate, null));
    }

    private const string Agent = """
        apiVersion: cascade/v1
        kind: Scenario
        duration: 10m
        clusters:
          - {name: a, nodes: 4, kubernetesVersion: "1.30"}
        workloads:
          - name: agent
            identity: {serviceAccount: monitoring/agent}
            placement: perNode
            resources: {cpu: 0.25, memory: 200Mi}
            calls:
              - {verb: get, resource: configmaps, every: 600s}
        """;

    [Fact]
    public void The_changes_cpu_and_memory_are_per_pod_once_its_pods_run_and_zero_before_or_without_a_change()
    {
        var fleet = Build(Agent, "workloads[0].startAt=30s");
        fleet.Start();
        fleet.RunUntil(At(10), 1);
        var c = fleet.Clusters[0];
        Assert.Equal(0, SignalReader.Read(c, Signal.ChangeCpu, "agent"));
        Assert.Equal(0, SignalReader.Read(c, Signal.ChangeMemory, "agent"));
        fleet.RunUntil(At(60), 1);
        Assert.True(c.FindWorkload("agent")!.Workload.PodsRunning > 0);
        Assert.Equal(0.25, SignalReader.Read(c, Signal.ChangeCpu, "agent"), 6);
        Assert.Equal(c.FindWorkload("agent")!.MemoryPerPodBytes, SignalReader.Read(c, Signal.ChangeMemory, "agent"));
        Assert.True(SignalReader.Read(c, Signal.ChangeMemory, "agent") >= 200 * 1024 * 1024);
        Assert.Equal(0, SignalReader.Read(c, Signal.ChangeCpu, null));
        Assert.Equal(0, SignalReader.Read(c, Signal.ChangeMemory, "nobody"));
    }
}
