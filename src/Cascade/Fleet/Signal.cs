namespace Cascade.Fleet;

/// <summary>What a rollout gate or an alert reads, per cluster.</summary>
public enum Signal
{
    /// <summary>CPU the change's pods use, cores per pod (what the 2024-12-11 pre-deploy checks watched).</summary>
    ChangeCpu,
    /// <summary>Memory the change's pods use, bytes per pod.</summary>
    ChangeMemory,
    /// <summary>p99 latency over the last 60 s of the worst verb (GET, LIST, writes) of non-exempt requests, seconds (SLOs are per verb).</summary>
    ApiserverLatencyP99,
    /// <summary>Share of non-exempt API requests over the last 60 s that failed (429, 504, unavailable).</summary>
    ApiserverErrorRate,
    /// <summary>Seats in use over seats available in the last 10 s.</summary>
    SeatUtilization,
    /// <summary>Nodes the node lifecycle controller holds NotReady or Unknown.</summary>
    NodesNotReady,
    /// <summary>Error rate of the products served by the cluster, over the last 10 s.</summary>
    ProductErrorRate,
}

/// <summary>What a remediation step does.</summary>
public enum ActionKind { Rollback, ScaleNodes, BlockApiAccess, ScaleApiServers, BreakGlass, ShiftTraffic, ScaleWorkload, RunJob, UnblockApiAccess }

/// <summary>What a network block of the admin API cuts off: the named workloads' pods, or every client on the nodes.</summary>
public enum BlockSource { Workloads, Nodes }
