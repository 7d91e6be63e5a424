using Cascade.Engine;

namespace Cascade.Cluster;

// Stands for: the life of the pods the data plane follows (the products' Deployments and CoreDNS), as the
// components that move it see it: the ReplicaSet controller creates a pod (Pending), kube-scheduler binds it
// (pods/binding), the kubelet pulls and starts its containers (Starting → Running; the scheduler's podStartup)
// and writes its Ready condition, which the EndpointSlice controller publishes; a deletion (an eviction, the pod
// garbage collector's delete of an orphan) ends it and frees the ReplicaSet to replace it in the same slot with
// the next incarnation. A node that dies takes its pods' containers with it (Lost) while their objects stay
// listed. docs/sources.md §4–§6; docs/model-dataplane.md.
// Keeps: the initial placement (each replica on a node drawn at random, the spread of a scheduler with many
// fits), a fixed startup time from binding to running, readiness written through the kubelet when there are
// kubelets, the untracked pods counted per node.
// Leaves out: the spread of image pulls (startup is one fixed time), restarts of the products' containers,
// readiness probes' periods, graceful termination, and the traffic of every pod the data plane does not follow
// (those are only counted per node: PodTable.OtherPods).

/// <summary>Places the tracked pods and carries each through its life: created → bound → starting → running → deleted.</summary>
public sealed class PodLifecycle : IEventHandler, IPodStatusListener
{
    private const int PodRunningKind = 0;

    private readonly Simulation _sim;
    private readonly DataPlane _dp;
    private readonly DataPlaneConfig _cfg;
    private readonly Kubelets? _kubelets;
    private readonly PodTable _pods;

    public PodLifecycle(Simulation sim, DataPlane dp, DataPlaneConfig cfg, Kubelets? kubelets)
    {
        _sim = sim;
        _dp = dp;
        _cfg = cfg;
        _kubelets = kubelets;
        _pods = dp.Pods;
    }

    /// <summary>Each Deployment's replicas land on nodes drawn at random (the spread of a scheduler with many fits), all running and ready.</summary>
    public void PlacePods(RandomStream rng, int activeNodes)
    {
        var pods = _pods;
        var services = _dp.Services;
        for (int s = 0; s < services.Count; s++)
            for (int i = 0; i < services.Replicas[s]; i++)
            {
                int pod = services.FirstPod[s] + i;
                pods.Service[pod] = s;
                pods.Node[pod] = rng.NextInt(activeNodes);
                pods.Phase[pod] = PodPhase.Running;
                pods.ReadyInApi[pod] = true;
                pods.WantReady[pod] = true;
            }
        Array.Fill(pods.OtherPods, _cfg.PodsPerNode, 0, activeNodes);
        for (int pod = 0; pod < pods.Count; pod++)
            if (pods.OtherPods[pods.Node[pod]] > 0) pods.OtherPods[pods.Node[pod]]--;
    }

    private bool IsProduct(int pod) => _pods.Service[pod] < _cfg.Products.Count;

    public void SetPodReady(int pod, bool ready)
    {
        var pods = _pods;
        if (pods.Node[pod] < 0) return;
        if (_kubelets is not null)
        {
            _kubelets.SetPodReady(pod, ready);
            return;
        }
        pods.WantReady[pod] = ready;
        if (pods.ReadyInApi[pod] == ready) return;
        pods.ReadyInApi[pod] = ready;
        OnPodStatusWritten(pod);
    }

    public void OnPodStatusWritten(int pod) => _dp.Endpoints.OnPodChanged(_pods.Service[pod]);

    /// <summary>The pod's deletion landed: its containers stop, its endpoint goes, its ReplicaSet replaces it.</summary>
    public void OnPodDeleted(int pod)
    {
        var pods = _pods;
        if (pods.Phase[pod] == PodPhase.Running && pods.Node[pod] >= 0 && IsProduct(pod))
            _dp.Caches.OnPodRunning(pod, pods.Node[pod], running: false, warm: false);
        pods.Phase[pod] = PodPhase.Gone;
        pods.ReadyInApi[pod] = false;
        pods.WantReady[pod] = false;
        pods.Changed();
        _dp.CoreDns?.OnPodGone(pod);
        _dp.Endpoints.OnPodChanged(pods.Service[pod]);
        _dp.ReplicaSets?.Recreate(pod);
    }

    public void OnOtherPodDeleted(int node)
    {
        _pods.OtherPods[node]--;
        _dp.ReplicaSets?.RecreateOther();
    }

    /// <summary>The replacement pod exists in the API server: a new incarnation, pending.</summary>
    public void OnPodCreated(int pod)
    {
        var pods = _pods;
        pods.Incarnation[pod]++;
        pods.Phase[pod] = PodPhase.Pending;
        pods.Node[pod] = -1;
        pods.ReadyInApi[pod] = false;
        pods.WantReady[pod] = false;
        pods.StatusInFlight[pod] = false;
        pods.Changed();
    }

    public void OnPodBound(int pod, int node)
    {
        var pods = _pods;
        pods.Node[pod] = node;
        pods.Phase[pod] = PodPhase.Starting;
        pods.Changed();
        _sim.Schedule(_cfg.PodStartupTicks, this, PodRunningKind, ((long)pods.Incarnation[pod] << 32) | (uint)pod);
    }

    public void OnOtherPodBound(int node)
    {
        _pods.OtherPods[node]++;
        _kubelets?.PatchOtherPodStatus(node);
    }

    /// <summary>The node lifecycle controller sees the node again: its kubelet re-asserts its pods' readiness.</summary>
    public void OnNodeReadyAgain(int node)
    {
        if (_kubelets is null) return;
        var pods = _pods;
        for (int pod = 0; pod < pods.Count; pod++)
            if (pods.Node[pod] == node && pods.Phase[pod] == PodPhase.Running && pods.WantReady[pod] && !pods.ReadyInApi[pod])
                _kubelets.SetPodReady(pod, true);
    }

    /// <summary>
    /// The containers on nodes [<paramref name="first"/>, <paramref name="end"/>) are gone (the nodes died or were
    /// deleted): their pods are lost; with <paramref name="deleteOrphans"/> (the Node objects are gone too) the pod
    /// garbage collector deletes them.
    /// </summary>
    public void OnContainersGone(int first, int end, bool deleteOrphans)
    {
        var pods = _pods;
        for (int pod = 0; pod < pods.Count; pod++)
        {
            int node = pods.Node[pod];
            if (node < first || node >= end || pods.Phase[pod] == PodPhase.Gone) continue;
            if (pods.Phase[pod] == PodPhase.Running && IsProduct(pod))
                _dp.Caches.OnPodRunning(pod, node, running: false, warm: false);
            pods.Phase[pod] = PodPhase.Lost;
            pods.Changed();
            _dp.CoreDns?.OnPodGone(pod);
            if (deleteOrphans) _dp.NodeLifecycle?.DeleteOrphan(pod);
        }
    }

    public void OnEvent(int kind, long arg) => OnPodRunning((int)(arg & 0xFFFFFFFF), (int)(arg >> 32));

    private void OnPodRunning(int pod, int incarnation)
    {
        var pods = _pods;
        if (pods.Incarnation[pod] != incarnation || pods.Phase[pod] != PodPhase.Starting) return;
        pods.Phase[pod] = PodPhase.Running;
        pods.Changed();
        if (IsProduct(pod))
        {
            _dp.Caches.OnPodRunning(pod, pods.Node[pod], running: true, warm: false);
            SetPodReady(pod, true);
        }
        else _dp.CoreDns?.OnPodRunning(pod);
    }
}
