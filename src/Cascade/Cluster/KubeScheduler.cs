using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>
/// Stands for kube-scheduler binding pending pods (docs/sources.md §3: its client 50 QPS / burst 100). A created
/// pod (the ReplicaSet controller's, ReplicaSetController.cs) reaches the scheduler through its pod informer:
/// only while that watches (or once it relists). The scheduler picks a node that is Ready and untainted (one is
/// found if any fits: docs/sources.md §3), and binds (a create of pods/binding, classified as kube-scheduler →
/// workload-high) asynchronously: bindings in flight are paced by the client's rate limiter alone, unless the scenario
/// caps them; a failed binding goes back to the queue after the pod back-off (1 s doubling to 10 s:
/// kube-scheduler podInitialBackoffSeconds / podMaxBackoffSeconds). When the control plane is saturated, bindings
/// fail or crawl and the pending backlog grows; it drains at the client rate once the API server answers again.
/// Left out: the scheduling algorithm's own time and its filters (any Ready node fits), preemption, and the back-off
/// of a pod not tracked one by one (a Job's, or a product's beyond those tracked): with no state of its own, it waits
/// the back-off's cap, 10 s, after every failure.
/// </summary>
public sealed class KubeScheduler : IApiCaller, IEventHandler
{
    private const int RequeueKind = 0;
    private const long TagBind = 0;
    // kube-scheduler podInitialBackoffSeconds 1, podMaxBackoffSeconds 10
    private static readonly Backoff PodBackoff = new(SimTime.FromSeconds(1), SimTime.FromSeconds(10));

    private readonly Simulation _sim;
    private readonly ApiServerSet _api;
    private readonly DataPlane _dp;
    private readonly ApiClient _client;
    private readonly ApiCall _bind;
    private readonly Informer? _podInformer;
    private readonly int _maxInFlight;
    private readonly RandomStream _rng;
    private readonly Queue<int> _unseen = new(), _active = new();   // tracked pod, −1 for an untracked one, −2 − w for a pod of wave w
    private readonly List<PodWave> _waves = new();
    private readonly long[] _backoff;
    private int _inFlight;

    /// <param name="replicaSetClient">Made here, after the scheduler's client, so clients keep their numbering.</param>
    /// <param name="client">kube-scheduler's client when its informers run (Controllers.cs): the same clientset binds.</param>
    public KubeScheduler(Simulation sim, ApiServerSet api, DataPlane dp, DataPlaneConfig cfg, Informer? podInformer, ApiClient? client, out ApiClient replicaSetClient)
    {
        _sim = sim;
        _api = api;
        _dp = dp;
        _podInformer = podInformer;
        _maxInFlight = cfg.MaxBindingsInFlight;
        _rng = sim.Random.Stream($"{api.Cluster}/scheduler");
        _client = client ?? api.CreateClient(cfg.SchedulerQps, cfg.SchedulerBurst);
        replicaSetClient = api.ControllerManagerClient();
        var sched = Identity.KubeScheduler;
        _bind = api.DefineCall("scheduler bind", sched.User, sched.Groups, "create", "pods", "default");
        _backoff = new long[dp.Pods.Count];
    }

    /// <summary>kube-scheduler's API client.</summary>
    public ApiClient Client => _client;

    /// <summary>A wave of pods the scheduler will bind; returns the wave's number for <see cref="EnqueueWavePod"/>.</summary>
    internal int Register(PodWave wave)
    {
        _waves.Add(wave);
        return _waves.Count - 1;
    }

    /// <summary>A pod of wave <paramref name="wave"/> was created: it waits to be bound like any pending pod.</summary>
    internal void EnqueueWavePod(int wave) => Created(-2 - wave);

    /// <summary>Pods created and not yet bound (including those the scheduler has not seen yet).</summary>
    public int Pending { get; private set; }
    public int PendingPeak { get; private set; }
    public long Bindings { get; private set; }

    /// <summary>Bindings sent and not yet answered.</summary>
    public int BindingsInFlight => _inFlight;
    public long BindingFailures { get; private set; }


    /// <summary>Once a second: pods created while the informer was not watching become visible once it is.</summary>
    public void Tick()
    {
        if (_podInformer is { IsWatching: false }) return;
        while (_unseen.Count > 0) _active.Enqueue(_unseen.Dequeue());
        Pump();
    }

    /// <summary>A pod was created (tracked pod <paramref name="pod"/>, or −1 for an untracked one): it waits to be bound.</summary>
    internal void Created(int pod)
    {
        Pending++;
        PendingPeak = Math.Max(PendingPeak, Pending);
        if (_podInformer is { IsWatching: false }) _unseen.Enqueue(pod);
        else
        {
            _active.Enqueue(pod);
            Pump();
        }
    }

    private void Pump()
    {
        while (_inFlight < _maxInFlight && _active.Count > 0)
        {
            int node = PickNode();
            if (node < 0) return; // nothing schedulable: wait for the next tick
            int pod = _active.Dequeue();
            _inFlight++;
            if (pod >= 0) _dp.Pods.Phase[pod] = PodPhase.Binding;
            _api.Send(_client, _bind, this, ResponseTag.Make(TagBind, pod + 1, node));
        }
    }

    /// <summary>
    /// A node that fits, or −1 if none does. A node picked at random, up to 32 times; if none of those fits, the nodes
    /// after the last pick in turn, as kube-scheduler's filter pass goes on through every node from where it stands
    /// until one fits (docs/sources.md §3). That pass draws nothing.
    /// </summary>
    private int PickNode()
    {
        var nlc = _dp.NodeLifecycle;
        int nodes = _dp.ActiveNodes;
        int n = 0;
        for (int attempt = 0; attempt < 32; attempt++)
        {
            n = _rng.NextInt(nodes);
            if (nlc is null || nlc.Schedulable(n)) return n;
        }
        for (int k = 1; k < nodes; k++)
        {
            int next = (n + k) % nodes;
            if (nlc!.Schedulable(next)) return next;
        }
        return -1;
    }

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch)
    {
        if (ResponseTag.Kind(tag) != TagBind) return;
        _inFlight--;
        int pod = ResponseTag.Index(tag) - 1, node = ResponseTag.Extra(tag);
        if (outcome == RequestOutcome.Ok)
        {
            Bindings++;
            Pending--;
            if (pod >= 0)
            {
                _backoff[pod] = 0;
                _dp.Lifecycle.OnPodBound(pod, node);
            }
            else if (pod == -1) _dp.Lifecycle.OnOtherPodBound(node);
            else _waves[-2 - pod].OnBound(node);
        }
        else
        {
            BindingFailures++;
            long b = pod >= 0 ? (_backoff[pod] = PodBackoff.Next(_backoff[pod])) : PodBackoff.MaxTicks;
            if (pod >= 0) _dp.Pods.Phase[pod] = PodPhase.Pending;
            _sim.Schedule(b, this, RequeueKind, pod);
        }
        Pump();
    }

    /// <summary>A pod whose binding failed is queued again after its back-off.</summary>
    public void OnEvent(int kind, long arg)
    {
        _active.Enqueue((int)arg);
        Pump();
    }
}
