using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>
/// One API call of a workload, resolved against its cluster: a loop on <paramref name="Schedule"/> whose first
/// period starts at a random phase or, <paramref name="Aligned"/>, at once on every pod; or, with
/// <paramref name="AtTicks"/> ≥ 0, a one-shot call each pod makes that long after it starts.
/// </summary>
public sealed record PeriodicCall(ApiCall Call, Periodic Schedule, long AtTicks = -1, bool Aligned = false)
{
    public bool OneShot => AtTicks >= 0;

    public long FirstDelayTicks(RandomStream rng) => OneShot ? AtTicks : Aligned ? 0 : Schedule.FirstDelayTicks(rng);
}

/// <summary>
/// A set of pods that call the API server: a DaemonSet (one pod per node) or a Deployment (N replicas).
/// Each pod has its own client-go client (token bucket, connection) and runs each call in a loop the way
/// wait.JitterUntil does with sliding = true: call, wait for the answer, sleep the jittered period, again —
/// so a slow API server slows the loop down instead of piling requests up. A one-shot call is made once per
/// pod. Pods may also run informers.
/// </summary>
public sealed class Workload : IApiCaller, IEventHandler
{
    private const int Fire = 0, PodStart = 1;

    private readonly Simulation _sim;
    private readonly ApiServerSet _api;
    private readonly PeriodicCall[] _calls;
    private readonly ApiClient[] _clients;
    private readonly Informer[][] _informers;
    private readonly RandomStream _rng;
    private readonly EventHandle[] _pending;
    private readonly bool[] _podStopped;
    private readonly bool[] _podRestarting;
    private int _podsStopped;
    private bool _running;
    private long _bytesReceived;
    private long _largestResponseBytes;

    /// <summary>
    /// <paramref name="pods"/> slots in <paramref name="namespace"/>, of which the first <paramref name="activePods"/> (default all) exist at the start;
    /// the others are pre-allocated for the scenario's scale-ups and start with <see cref="StartPod"/>.
    /// </summary>
    public Workload(string name, Simulation sim, ApiServerSet api, int pods, Func<int, ApiClient> client,
        IReadOnlyList<PeriodicCall> calls, Func<int, ApiClient, IReadOnlyList<Informer>> informers, int? activePods = null,
        string @namespace = "default")
    {
        Name = name;
        Namespace = @namespace;
        _sim = sim;
        _api = api;
        _calls = calls.ToArray();
        _clients = new ApiClient[pods];
        _informers = new Informer[pods][];
        _pending = new EventHandle[pods * Math.Max(1, _calls.Length)];
        _podStopped = new bool[pods];
        _podRestarting = new bool[pods];
        _rng = sim.Random.Stream($"{api.Cluster}/workload/{name}");
        for (int i = 0; i < pods; i++)
        {
            _clients[i] = client(i);
            _informers[i] = informers(i, _clients[i]).ToArray();
        }
        for (int i = activePods ?? pods; i < pods; i++)
        {
            _podStopped[i] = true;
            _podsStopped++;
        }
    }

    public string Name { get; }

    /// <summary>Where the workload's objects (its DaemonSet or Deployment and its pods) live: what deleting them names.</summary>
    public string Namespace { get; }

    public int Pods => _clients.Length;
    public int PodsRunning => _running ? _clients.Length - _podsStopped : 0;

    /// <summary>Pods that exist (started or waiting for the workload to start), whether or not the workload runs yet.</summary>
    public int Replicas => _clients.Length - _podsStopped;
    public IReadOnlyList<ApiClient> Clients => _clients;

    /// <summary>Response bytes received since the last call (for the pods' own CPU), and the largest single response seen.</summary>
    public long TakeBytesReceived()
    {
        long b = _bytesReceived;
        _bytesReceived = 0;
        return b;
    }

    public long LargestResponseBytes => _largestResponseBytes;
    public bool Running => _running;
    public long Responses { get; private set; }
    public long Failures { get; private set; }

    /// <summary>The workload's periodic calls (their cost counters included).</summary>
    public IReadOnlyList<PeriodicCall> Calls => _calls;

    /// <summary>Pod <paramref name="pod"/>'s informers (tests read their calls).</summary>
    internal IReadOnlyList<Informer> InformersOf(int pod) => _informers[pod];

    /// <summary>
    /// Starts every pod's loops, each at a random phase of its period so the pods do not march in step (unless aligned),
    /// and its one-shot calls. Pods of a
    /// workload that was <paramref name="runningBefore"/> the run have synced informers that only re-open their
    /// watches, spread over 10 s; pods deployed now list first.
    /// </summary>
    public void Start(bool runningBefore = false)
    {
        if (_running) return;
        _running = true;
        for (int i = 0; i < _clients.Length; i++)
            if (!_podStopped[i]) StartLoops(i, runningBefore);
    }

    private void StartLoops(int i, bool runningBefore = false)
    {
        for (int c = 0; c < _calls.Length; c++)
            _pending[i * _calls.Length + c] = _sim.Schedule(_calls[c].FirstDelayTicks(_rng), this, Fire, i * _calls.Length + c);
        foreach (var inf in _informers[i])
            if (runningBefore) inf.StartSynced(SimTime.FromSeconds(10 * _rng.NextDouble()));
            else inf.Start(SimTime.FromSeconds(_rng.NextDouble()));
    }

    /// <summary>A new pod in slot <paramref name="pod"/> (a scale-up, or a DaemonSet pod on a new node): its loops start at random phases, its informers list afresh.</summary>
    public void StartPod(int pod)
    {
        if (!_podStopped[pod]) return;
        _podStopped[pod] = false;
        _podsStopped--;
        if (_running) StartLoops(pod);
    }

    /// <summary>The first slot with no pod, or −1 when every slot has one.</summary>
    public int FreeSlot()
    {
        for (int i = 0; i < _podStopped.Length; i++) if (_podStopped[i]) return i;
        return -1;
    }

    /// <summary>Stops the pods (the workload was deleted): no new calls; requests in flight run out.</summary>
    public void Stop()
    {
        if (!_running) return;
        _running = false;
        for (int k = 0; k < _pending.Length; k++)
        {
            if (!_pending[k].IsNone) _sim.Cancel(_pending[k]);
            _pending[k] = EventHandle.None;
        }
        foreach (var pod in _informers)
            foreach (var inf in pod) inf.Stop();
    }

    /// <summary>Before its controller creates them: no pod exists yet.</summary>
    public void StopAllPods()
    {
        for (int i = 0; i < _clients.Length; i++) StopPod(i);
    }

    /// <summary>Stops one pod (its node was removed, or the pod was deleted): its loops and informers end.</summary>
    public void StopPod(int pod)
    {
        _podRestarting[pod] = false;
        if (_podStopped[pod]) return;
        _podStopped[pod] = true;
        _podsStopped++;
        for (int c = 0; c < _calls.Length; c++)
        {
            int k = pod * _calls.Length + c;
            if (!_pending[k].IsNone) _sim.Cancel(_pending[k]);
            _pending[k] = EventHandle.None;
        }
        foreach (var inf in _informers[pod]) inf.Stop();
    }

    public bool PodStopped(int pod) => _podStopped[pod];

    /// <summary>Stopped for good (its node removed or lost, the workload deleted), not restarting.</summary>
    public bool PodGone(int pod) => !_running || (_podStopped[pod] && !_podRestarting[pod]);

    /// <summary>
    /// The pod's container restarts (deleted and recreated by its controller, or killed): it stops now and runs
    /// again after <paramref name="downTicks"/> as a new process, its informers listing from nothing.
    /// </summary>
    public void RestartPod(int pod, long downTicks)
    {
        if (!_running || _podStopped[pod]) return;
        StopPod(pod);
        _podRestarting[pod] = true;
        _sim.Schedule(downTicks, this, PodStart, pod);
    }

    /// <summary>Ready as its controller judges a restarted pod: running, and every informer synced (an agent serves from its caches).</summary>
    public bool PodReady(int pod)
    {
        if (!_running || _podStopped[pod]) return false;
        foreach (var inf in _informers[pod]) if (!inf.HasSynced) return false;
        return true;
    }

    /// <summary>The pod's node is cut off from the control plane, or joined again: its requests get no answer, its watches end.</summary>
    public void SetPodPartitioned(int pod, bool partitioned)
    {
        _clients[pod].Blocked = partitioned;
        if (partitioned) foreach (var inf in _informers[pod]) inf.Disconnect();
    }

    private void RestartedPodStarts(int pod)
    {
        if (!_running || !_podRestarting[pod]) return;
        _podRestarting[pod] = false;
        StartPod(pod);
    }

    public void OnEvent(int kind, long arg)
    {
        if (kind == PodStart)
        {
            RestartedPodStarts((int)arg);
            return;
        }
        int k = (int)arg;
        _pending[k] = EventHandle.None;
        if (!_running) return;
        var (pod, c) = Math.DivRem(k, _calls.Length); // one division
        if (_podStopped[pod]) return;
        _api.Send(_clients[pod], _calls[c].Call, this, k);
    }

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch)
    {
        Responses++;
        int k = (int)tag;
        var (pod, c) = Math.DivRem(k, _calls.Length);
        if (outcome != RequestOutcome.Ok) Failures++;
        else
        {
            var call = _calls[c].Call;
            long bytes = call.Class == VerbClass.List
                ? (long)(call.ObjectsInScope * call.Selectivity) * call.Resource.BytesPerObject
                : call.Resource.BytesPerObject;
            _bytesReceived += bytes;
            if (bytes > _largestResponseBytes) _largestResponseBytes = bytes;
        }
        if (!_running || _podStopped[pod] || _calls[c].OneShot) return;
        _pending[k] = _sim.Schedule(_calls[c].Schedule.NextDelayTicks(_rng), this, Fire, k);
    }
}
