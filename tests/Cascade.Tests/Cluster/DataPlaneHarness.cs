using Cascade.Cluster;
using Cascade.Engine;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Schema;
using Cascade.Samples;

namespace Cascade.Tests.Cluster;

/// <summary>A cluster built from a scenario and driven minute by minute, so a test can cut the control plane off and watch what follows.</summary>
internal sealed class DataPlaneHarness
{
    public DataPlaneHarness(Scenario scenario, ulong seed = 1)
    {
        Sim = new Simulation(seed);
        Timeline = new Timeline();
        Cluster = ScenarioBuilder.BuildCluster(Sim, scenario, Timeline);
        Cluster.Start();
    }

    public Simulation Sim { get; }
    public Timeline Timeline { get; }
    public ClusterModel Cluster { get; }
    public DataPlane Dp => Cluster.DataPlane!;

    public void RunToMinute(double minutes) => Sim.Run(untilTicks: SimTime.FromMinutes(minutes));

    /// <summary>The API servers become unreachable for every client of the cluster (or reachable again).</summary>
    public void ControlPlaneReachable(bool reachable)
    {
        foreach (var c in Cluster.Api.Clients) c.Blocked = !reachable;
    }

    public int Product(string name)
    {
        for (int p = 0; p < Dp.Products.Count; p++) if (Dp.Products[p].Name == name) return p;
        throw new ArgumentException(name);
    }

    public IReadOnlyList<ProductSample> Samples(string product) => Dp.ProductSamples(Product(product));

    public ProductResult Result(string product) => ProductSeries.Summarise(Cluster.Name, product, Samples(product));

    /// <summary>First bucket end (seconds) at or after <paramref name="fromSeconds"/> whose error rate reaches <paramref name="rate"/>; null if none.</summary>
    public double? FirstTimeErrorRate(string product, double rate, double fromSeconds = 0)
    {
        foreach (var s in Samples(product))
            if (s.TimeSeconds >= fromSeconds && s.ErrorRate >= rate) return s.TimeSeconds;
        return null;
    }

    public double MaxErrorRate(string product, double fromSeconds, double toSeconds)
    {
        double max = 0;
        foreach (var s in Samples(product))
            if (s.TimeSeconds > fromSeconds && s.TimeSeconds <= toSeconds) max = Math.Max(max, s.ErrorRate);
        return max;
    }
}
