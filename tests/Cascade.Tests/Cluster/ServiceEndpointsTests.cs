using Cascade.Cluster;
using Cascade.Engine;

namespace Cascade.Tests.Cluster;

/// <summary>
/// A Service's Endpoints and EndpointSlice writes (docs/model.md, "Endpoints and EndpointSlices"): object sizes
/// (Endpoints truncated at 1,000 addresses, slices of 100), the Poisson rate of changes, one write of each object
/// per change, coalescing behind a write in flight, and the 1 s retry of a failed write.
/// </summary>
public class ServiceEndpointsTests
{
    private static SmallCluster New(int replicas, string changeEvery = "120s") => SmallCluster.FromYaml(SmallCluster.Head + "\n" + $$"""
        workloads:
          - name: api
            identity: {serviceAccount: web/api}
            replicas: {{replicas}}
            calls: []
            service: {name: api, endpointChangeEvery: {{changeEvery}}, bytesPerEndpoint: 200}
        products:
          - {name: backend, replicas: 3, requestRate: 0}
        """, "duration=2h");

    private static ServiceEndpoints Service(SmallCluster c) => Assert.Single(c.Cluster.Services);

    [Theory]
    [InlineData(1, new[] { 1 })]
    [InlineData(100, new[] { 100 })]
    [InlineData(101, new[] { 100, 1 })]
    [InlineData(250, new[] { 100, 100, 50 })]
    [InlineData(1234, new[] { 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 34 })]
    public void The_endpoints_object_holds_up_to_1000_addresses_and_each_slice_up_to_100(int replicas, int[] perSlice)
    {
        var c = New(replicas);
        var s = Service(c);
        Assert.Equal("api", s.Name);
        Assert.Equal(("endpoints-controller update api", "update", "endpoints"), (s.EndpointsWrite.Name, s.EndpointsWrite.Verb, s.EndpointsWrite.Resource.Name));
        Assert.Equal(500 + Math.Min(replicas, 1000) * 200L, s.EndpointsWrite.ObjectBytes);
        Assert.Equal(perSlice.Length, s.Slices);
        for (int i = 0; i < perSlice.Length; i++)
        {
            var w = s.SliceWrite(i);
            Assert.Equal(($"endpointslice-controller update api slice {i}", "update", "endpointslices"), (w.Name, w.Verb, w.Resource.Name));
            Assert.Equal(500 + perSlice[i] * 200L, w.ObjectBytes);
            Assert.Equal(s.EndpointsWrite.WatchKey, w.WatchKey);
        }
        Assert.True(s.EndpointsWrite.WatchKey > 0);
        Assert.Equal(c.Cluster.Api.WatchKey("api"), s.EndpointsWrite.WatchKey);
    }

    [Fact]
    public void Each_pods_endpoint_changes_at_its_mean_interval_and_each_change_writes_the_endpoints_and_its_slice_once()
    {
        var c = New(4, "120s");
        c.RunTo(3600);
        var s = Service(c);
        // Four pods, each changing every 120 s on average: 120 changes expected in the hour (σ ≈ 11).
        Assert.InRange(s.Changes, 80, 160);
        Assert.Equal(2 * s.Changes, s.Writes);
        var workload = c.Cluster.FindWorkload("api")!.Workload;
        workload.Stop();
        long changes = s.Changes, writes = s.Writes;
        c.RunTo(4800);
        Assert.Equal((changes, writes), (s.Changes, s.Writes));   // a stopped pod's endpoint does not change
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("120s")]
    public void No_change_happens_when_changes_are_off_or_there_are_no_pods(string every)
    {
        var c = New(every == "0s" ? 4 : 0, every);
        c.RunTo(3600);
        Assert.Equal((0L, 0L), (Service(c).Changes, Service(c).Writes));
    }

    [Fact]
    public void Changes_while_a_write_is_in_flight_make_one_more_write_of_each_object()
    {
        var c = New(4, "10000h");   // no change but the test's
        c.RunTo(60);
        var s = Service(c);
        Assert.Equal(0, s.Writes);
        s.OnEvent(0, 0);          // a change: the Endpoints object and slice 0 are written
        Assert.Equal(2, s.Writes);
        s.OnEvent(0, 0);          // two more changes before the answers: each object owes one more write
        s.OnEvent(0, 0);
        Assert.Equal(2, s.Writes);
        c.RunTo(61);
        Assert.Equal((3L, 4L), (s.Changes, s.Writes));
        c.RunTo(120);
        Assert.Equal(4, s.Writes);
        s.OnEvent(0, 0);
        c.RunTo(121);
        Assert.Equal(6, s.Writes);
    }

    [Fact]
    public void A_failed_write_is_retried_every_second_until_the_api_server_answers_and_then_no_more()
    {
        var c = New(4, "10000h");
        c.RunTo(60);
        var s = Service(c);
        c.Cluster.Api.StopReplica(0, SimTime.FromSeconds(10), "test");
        s.OnEvent(0, 0);
        c.RunTo(65.5);
        long during = s.Writes;
        Assert.InRange(during, 2 + 2 * 4, 2 + 2 * 6);   // both objects, tried again every second
        c.RunTo(100);
        long after = s.Writes;
        Assert.InRange(after, during + 2 * 3, during + 2 * 7);
        c.RunTo(200);
        Assert.Equal(after, s.Writes);
    }
}
