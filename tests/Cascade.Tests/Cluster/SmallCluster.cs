using Cascade.Cluster;
using Cascade.Engine;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Tests.Cluster;

/// <summary>
/// A tiny real cluster (a handful of nodes, a few product pods, one API server) built from a scenario and driven
/// by the test second by second: fast enough to run for simulated minutes in milliseconds.
/// </summary>
internal sealed class SmallCluster
{
    /// <summary>What every small scenario shares: six nodes in one zone, one API server, no background writes. A test adds its
    /// workloads and products after it, and changes the rest with overrides.</summary>
    public const string Head = """
        apiVersion: cascade/v1
        kind: Scenario
        duration: 30m
        cluster:
          name: prod
          kubernetesVersion: "1.34"
          nodes: 6
          zones: 1
          podsPerNode: 4
          apiServer: {replicas: 1}
          controllers: {writeRate: 0}
        """;

    /// <summary>Six nodes in one zone, two CoreDNS replicas, web (3 pods) calling backend (3 pods) at 100 requests/s.</summary>
    public const string Yaml = Head + "\n" + """
        products:
          - {name: backend, replicas: 3, requestRate: 0}
          - {name: web, replicas: 3, requestRate: 100, calls: [backend]}
        """;

    /// <summary>The six-node cluster of <see cref="Yaml"/>, with <c>--set</c>-style overrides ("cluster.nodes=10").</summary>
    public SmallCluster(params string[] overrides) : this(Yaml, overrides, 0) { }

    public static SmallCluster FromYaml(string yaml, params string[] overrides) => new(yaml, overrides, 0);

    private SmallCluster(string yaml, string[] overrides, int _)
    {
        Scenario = YamlBinder.Load<Scenario>(yaml, "small.yaml", overrides, ScenarioLoader.ApiVersion, ScenarioLoader.Kind);
        _harness = new DataPlaneHarness(Scenario);
    }

    private readonly DataPlaneHarness _harness;
    public Scenario Scenario { get; }
    public Simulation Sim => _harness.Sim;
    public Timeline Timeline => _harness.Timeline;
    public ClusterModel Cluster => _harness.Cluster;
    public DataPlane Dp => _harness.Dp;
    public Kubelets Kubelets => Cluster.Kubelets!;
    public NodeLifecycleController Nlc => Dp.NodeLifecycle!;
    public PodTable Pods => Dp.Pods;

    public double Now => SimTime.ToSeconds(Sim.Now);

    /// <summary>The API server stops for <paramref name="seconds"/>, and the CoreDNS replicas named restart into the outage (they cannot sync).</summary>
    public void ApiOutage(double seconds, params int[] coreDnsReplicas)
    {
        Cluster.Api.StopReplica(0, SimTime.FromSeconds(seconds), "test");
        foreach (int r in coreDnsReplicas) Dp.CoreDns!.RestartContainer(r, "test");
    }

    public void RunTo(double seconds) => Sim.Run(untilTicks: SimTime.FromSeconds(seconds));

    public void RunToTicks(long ticks) => Sim.Run(untilTicks: ticks);

    /// <summary>Runs in steps of <paramref name="step"/> seconds until <paramref name="until"/>, returning the first moment <paramref name="condition"/> holds (null if never).</summary>
    public double? RunUntil(Func<bool> condition, double until, double step = 0.1)
    {
        while (Now < until - 1e-9)
        {
            RunTo(Math.Min(until, Now + step));
            if (condition()) return Now;
        }
        return null;
    }

    public int Service(string name) => Array.IndexOf(Dp.Services.Name, name);

    /// <summary>The tracked pods of a Service, as pod indexes.</summary>
    public IEnumerable<int> PodsOf(string service)
    {
        int s = Service(service);
        return Enumerable.Range(Dp.Services.FirstPod[s], Dp.Services.Replicas[s]);
    }

    /// <summary>The incarnations the newest published EndpointSlice of the Service lists (−1: not an endpoint).</summary>
    public int[] NewestEndpoints(string service)
    {
        int s = Service(service);
        int k = Dp.Endpoints.View(s, long.MaxValue);
        return Enumerable.Range(0, Dp.Services.Replicas[s]).Select(i => Dp.Endpoints.Endpoint(s, k, i)).ToArray();
    }

    public List<(double Time, string Message)> Notes(string kind) =>
        Timeline.Entries.Where(e => e.Kind == kind).Select(e => (e.Time, e.Message)).ToList();
}
