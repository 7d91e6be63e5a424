using Cascade.Cluster;
using Cascade.ControlPlane;
using Cascade.Engine;
using Cascade.Fleet;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Tests.Fleet;

/// <summary>
/// A cluster whose signals the test sets by hand: nodes NotReady and the products' error rate are whatever the
/// test's functions say (of the fleet's clock), and the actions that would change the data plane are recorded.
/// Its own kernel never runs, so nothing else happens in it.
/// </summary>
internal sealed class StubCluster : ClusterModel
{
    public StubCluster(string name, int nodes = 10) : this(new Simulation(1), name, nodes) { }

    private StubCluster(Simulation sim, string name, int nodes) : base(sim, name, nodes, NewApi(sim, name, nodes), new Timeline()) { }

    private static ApiServerSet NewApi(Simulation sim, string name, int nodes)
    {
        var spec = new ClusterSpec { Name = name, Nodes = nodes, KubernetesVersion = "1.30" };
        return new ApiServerSet(sim, name, ScenarioBuilder.ApiServerConfigFrom(spec, null), ScenarioBuilder.DeclareResources(spec), new Timeline());
    }

    public Func<double> NotReady { get; set; } = () => 0;
    public Func<double> ErrorRate { get; set; } = () => 0;
    public List<double> Shifted { get; } = new();
    public List<int> RemovedFrom { get; } = new();
    public List<int> AddedTo { get; } = new();

    public override double NodesNotReady => NotReady();
    public override double ProductErrorRate => ErrorRate();
    /// <summary>The cluster's own time at each shift.</summary>
    public List<double> ShiftedAt { get; } = new();

    public override void ShiftTrafficAway(double fraction)
    {
        Shifted.Add(fraction);
        ShiftedAt.Add(SimTime.ToSeconds(Sim.Now));
    }

    public override int RemoveNodesFrom(int keep)
    {
        RemovedFrom.Add(keep);
        return Math.Max(0, ActiveNodes - keep);
    }

    public override int AddNodes(int target)
    {
        AddedTo.Add(target);
        return Math.Max(0, target - ActiveNodes);
    }
}

/// <summary>Fleets for the fast tests: stub clusters on a fleet kernel the test drives, or small real clusters from a scenario.</summary>
internal static class FleetHarness
{
    public static FleetModel Stubs(params string[] names)
    {
        var fleet = new FleetModel(new Simulation(1), new Timeline());
        foreach (var n in names) fleet.Clusters.Add(new StubCluster(n));
        return fleet;
    }

    public static StubCluster Stub(this FleetModel fleet, string name) => (StubCluster)fleet.Find(name)!;

    /// <summary>A real fleet from a (small) scenario, built but not started.</summary>
    public static FleetModel Build(string yaml, params string[] overrides)
    {
        var s = YamlBinder.Load<Scenario>(yaml, "fleet-unit.yaml", overrides, ScenarioLoader.ApiVersion, ScenarioLoader.Kind);
        return ScenarioBuilder.BuildFleet(new Simulation(1), s, new Timeline());
    }

    public static double Seconds(double s) => s;
    public static long At(double seconds) => SimTime.FromSeconds(seconds);

    /// <summary>The fleet's and its clusters' timeline entries of a kind, as (time s, cluster, message).</summary>
    public static List<(double Time, string Cluster, string Message)> Entries(FleetModel fleet, string kind) =>
        fleet.MergedTimeline().Where(e => e.Kind == kind).Select(e => (e.Time, e.Cluster, e.Message)).ToList();

    /// <summary>Runs only the fleet's kernel (stub clusters have nothing to run).</summary>
    public static void RunFleetKernel(FleetModel fleet, double untilSeconds) => fleet.Sim.Run(untilTicks: At(untilSeconds));
}

/// <summary>Records the events it hears, with the time.</summary>
internal sealed class Recorder(Simulation sim) : IEventHandler
{
    public List<(double At, int Kind, long Arg)> Heard { get; } = new();
    public void OnEvent(int kind, long arg) => Heard.Add((SimTime.ToSeconds(sim.Now), kind, arg));
}
