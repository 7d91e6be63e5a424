using Cascade.Cluster;
using Cascade.Engine;
using Cascade.Results;
using Cascade.Tests.Preflight;

namespace Cascade.Tests.Cluster;

/// <summary>
/// The waits an overloaded cluster schedules by the hundred thousand get FIFO lanes beside the kernel's heap once they
/// occur: the Retry-Afters APF doubles to, the kubelets' capped renewal back-off, the SERVFAIL lifetime of a failed
/// lookup. Lanes change only the speed (the digests hold the results), so what is checked here is that they are made,
/// and only where they are used.
/// </summary>
public class LaneTests
{
    private static Simulation Run(int nodes)
    {
        Simulation? sim = null;
        ScenarioRunner.Run(DataPlaneScenarios.ListStorm(nodes, 10), 1, PreflightFixtures.RepoRoot(), threads: 1,
            beforeStart: fleet => sim = fleet.Clusters.Single().Sim);
        return sim!;
    }

    private static readonly long[] Waits =
        [.. new[] { 2, 4, 8, 16, 32 }.Select(s => SimTime.FromSeconds(s)), SimTime.FromSeconds(7), SimTime.FromSeconds(5)];

    [Fact]
    public void A_storm_gets_lanes_for_its_doubled_retry_afters_its_capped_renewal_back_off_and_its_failed_lookups_and_a_quiet_cluster_none()
    {
        var storm = Run(5000);
        Assert.All(Waits, d => Assert.True(storm.HasLane(d), $"no lane for {SimTime.ToSeconds(d)} s"));
        Assert.False(storm.HasLane(SimTime.FromSeconds(3))); // a Retry-After falling back a second at a time stays in the heap
        var quiet = Run(50);
        Assert.All(Waits, d => Assert.False(quiet.HasLane(d), $"a lane for {SimTime.ToSeconds(d)} s"));
        Assert.True(quiet.HasLane(SimTime.FromSeconds(1)));   // a one-second Retry-After's, made with the API servers
    }
}
