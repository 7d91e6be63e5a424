using Cascade.Engine;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;
using Xunit.Abstractions;
using static Cascade.Tests.ControlPlane.TestScenarios;

namespace Cascade.Tests.ControlPlane;

/// <summary>--goaway-chance: connections closed at random make clients pick a replica anew (docs/model.md, "Request path").</summary>
public class GoawayTests(ITestOutputHelper output)
{
    /// <summary>300 pods polling; replica 0 restarts at minute 1; the share of their connections on it at minute 15.</summary>
    private static double ShareOnRestartedReplica(double goawayChance)
    {
        var s = WorkloadClientTests.Quiet(ListStorm(10, 15, "0"));
        s.Cluster.ApiServer.GoawayChance = goawayChance;
        s.Workloads[0] = new WorkloadSpec
        {
            Name = "poller",
            Replicas = 300,
            Calls = { new CallSpec { Verb = Verb.Get, Resource = "configmaps", Scope = Scope.Object, ResourceVersion = "0", Every = Duration.FromSeconds(2) } },
        };
        var sim = new Simulation(7);
        var cluster = ScenarioBuilder.BuildCluster(sim, s, new Timeline());
        cluster.Start();
        sim.Run(untilTicks: SimTime.FromMinutes(1));
        cluster.Api.OomKill(0, "test: a restart");
        sim.Run(untilTicks: SimTime.FromMinutes(15));
        var clients = cluster.Workloads[0].Workload.Clients;
        return clients.Count(c => c.Replica == 0) / (double)clients.Count;
    }

    [Fact]
    public void After_a_replica_restarts_goaway_spreads_the_clients_back_over_it_and_without_it_they_stay_away()
    {
        double without = ShareOnRestartedReplica(0), with = ShareOnRestartedReplica(0.02);
        output.WriteLine($"clients on the restarted replica after 14 min: {without:P0} without goaway, {with:P0} with 0.02");
        Assert.True(without < 0.02, $"{without:P1}");
        Assert.InRange(with, 0.25, 0.42); // about a third of them
    }
}
