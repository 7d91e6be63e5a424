namespace Cascade.Cluster;

/// <summary>
/// Where a tracked pod is: created and waiting for the scheduler, being bound, starting on its node, running,
/// lost with its node (containers gone, the pod object not yet deleted), or deleted.
/// </summary>
public enum PodPhase : byte { Pending, Binding, Starting, Running, Lost, Gone }

/// <summary>
/// The pods the data plane follows one by one: the replicas of each product's Deployment and of CoreDNS.
/// A slot is a replica of its ReplicaSet; when its pod is deleted the replacement takes the same slot with
/// the next incarnation (a new pod name and IP), which is how a stale endpoint is told from a live one.
/// Every other pod of the cluster is only counted per node (<see cref="OtherPods"/>): what they cost the
/// API server when evicted and rescheduled is modelled, their traffic is not.
/// </summary>
public sealed class PodTable
{
    public PodTable(int pods, int nodes)
    {
        Service = new int[pods];
        Node = new int[pods];
        Incarnation = new int[pods];
        Phase = new PodPhase[pods];
        ReadyInApi = new bool[pods];
        WantReady = new bool[pods];
        StatusInFlight = new bool[pods];
        OtherPods = new int[nodes];
    }

    public int Count => Service.Length;
    public readonly int[] Service;
    public readonly int[] Node;
    public readonly int[] Incarnation;
    public readonly PodPhase[] Phase;

    /// <summary>The pod's Ready condition as stored in the API server (what the EndpointSlice controller publishes).</summary>
    public readonly bool[] ReadyInApi;

    /// <summary>The readiness the kubelet wants to write.</summary>
    public readonly bool[] WantReady;

    public readonly bool[] StatusInFlight;

    /// <summary>Untracked pods per node.</summary>
    public readonly int[] OtherPods;

    /// <summary>Bumped on every change of a tracked pod's phase or incarnation: cached routing answers are stale past it.</summary>
    public long Epoch { get; private set; }

    public void Changed() => Epoch++;
}

/// <summary>The Services of the cluster the data plane follows: one per product (same name), and kube-dns.</summary>
public sealed class ServiceTable
{
    public ServiceTable(IReadOnlyList<ProductConfig> products, int coreDnsReplicas)
    {
        int n = products.Count + 1;
        Name = new string[n];
        FirstPod = new int[n];
        Replicas = new int[n];
        int next = 0;
        for (int s = 0; s < products.Count; s++)
        {
            Name[s] = products[s].Name;
            FirstPod[s] = next;
            Replicas[s] = products[s].Replicas;
            next += products[s].Replicas;
        }
        KubeDns = products.Count;
        Name[KubeDns] = "kube-dns";
        FirstPod[KubeDns] = next;
        Replicas[KubeDns] = coreDnsReplicas;
        TotalPods = next + coreDnsReplicas;
    }

    public int Count => Name.Length;
    public readonly string[] Name;
    public readonly int[] FirstPod;
    public readonly int[] Replicas;
    public int KubeDns { get; }
    public int TotalPods { get; }
}
