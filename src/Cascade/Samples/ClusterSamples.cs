namespace Cascade.Samples;

// What the models measured, bucket by bucket, as plain records: the models (ControlPlane, Cluster) write them
// as a run goes, and the writers of Results (timeseries.csv, products.csv, OpenMetrics) read them and nothing
// else, so an output is a function of the samples, never of a live model's state.

/// <summary>
/// One cluster's time series at the end of a run: its API servers' buckets with the names their arrays are
/// indexed by (priority levels, replica slots), and its data plane's, if it has one.
/// </summary>
public sealed record ClusterSamples(string Name, IReadOnlyList<string> PriorityLevels, int ApiServerReplicaSlots,
    IReadOnlyList<ApiServerSample> ApiServer, DataPlaneSamples? DataPlane)
{
    /// <summary>Each API server replica's memory limit at the end of the run (after any scale-up), in bytes.</summary>
    public long ApiServerMemoryLimitBytes { get; init; }
}

/// <summary>A data plane's buckets, its products' (in the scenario's order), and its CoreDNS replicas (0 without CoreDNS).</summary>
public sealed record DataPlaneSamples(int CoreDnsReplicas, IReadOnlyList<DataPlaneSample> Buckets, IReadOnlyList<ProductSamples> Products);

/// <summary>One product's buckets in one cluster.</summary>
public sealed record ProductSamples(string Name, IReadOnlyList<ProductSample> Buckets);
