using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

// Stands for: a wave of pods created by one of kube-controller-manager's pod-making controllers — the
// ReplicaSet controller scaling a Deployment (pkg/controller/replicaset/replica_set.go manageReplicas), the
// Job controller starting a Job (pkg/controller/job/job_controller.go manageJob), the DaemonSet controller
// putting a pod on each new node (pkg/controller/daemon/daemon_controller.go syncNodes). docs/model.md,
// "Growth and churn".
// Keeps:
// - at most a burst of creates per sync (BurstReplicas 500; the Job controller's MaxPodCreateDeletePerSync
//   500; the DaemonSet controller's BurstReplicas 250);
// - slowStartBatch (pkg/controller/controller_utils.go): batches of 1, 2, 4, ... creates in parallel, the next
//   batch only when the whole batch succeeded; a failure ends the sync, which the workqueue retries after its
//   per-item back-off (5 ms doubling to 1000 s: client-go util/workqueue DefaultControllerRateLimiter);
// - more pods wanted (a node registering for a DaemonSet, a scale-up) queue the controller's key at once (the
//   informer's handler calls queue.Add), whatever back-off it waits; wanted while a batch is in flight, it is synced
//   again as soon as the sync ends, failed or not (the workqueue's dirty set);
// - each create a POST of a pod through the API server, on the controller's own client (kube-controller-manager
//   --kube-api-qps 20 / --kube-api-burst 30: k8s.io/controller-manager config/v1alpha1 defaults), so the pods
//   object count grows with each;
// - then kube-scheduler binds the pod (a create of pods/binding); a DaemonSet pod is created on its node;
// - then the kubelet starts it (the scheduler's podStartup) and patches its status; a pod of a workload that
//   calls the API server starts its calls and informers.
// Leaves out: the sync's wait for its informer to observe the creations (expectations) between syncs, the
// pods' images and the scheduler's filters.

/// <summary>One controller's wave of pod creations, through the API server, the scheduler and the kubelets.</summary>
public sealed class PodWave : IApiCaller, IEventHandler
{
    private const int SyncKind = 0, RunningKind = 1, DeleteRetryKind = 2;
    private static readonly long DeleteRetryTicks = SimTime.TicksPerSecond; // assumption: a failed delete is retried by the next sync, within a second
    private const long TagCreate = 0, TagDelete = 1;
    private const int SlowStartInitialBatchSize = 1; // controller_utils.go SlowStartInitialBatchSize
    private static readonly Backoff SyncRetry = Backoff.ControllerWorkqueue;

    private readonly ClusterModel _cluster;
    private readonly ApiClient _client;
    private readonly ApiCall _create, _delete;
    private readonly int _burstPerSync;
    private readonly Workload? _workload;
    private readonly bool _daemonSet;
    private readonly ApiResource _pods;
    private readonly Queue<int> _nodesWaiting = new(); // DaemonSet: registered nodes still without their pod
    private readonly int _schedulerWave = -1;
    private readonly string _what;
    private int _wanted, _created, _bound, _running, _toDelete, _deleted;
    private int _batch, _syncLeft, _outstanding;
    private bool _batchFailed, _ended, _dirty;
    private EventHandle _retryEvent;
    private long _retry, _startedAt;

    /// <summary>
    /// A wave of <paramref name="controller"/>'s pods: of <paramref name="workload"/> (its pods start when they run), or of
    /// nobody's (a Job); <paramref name="daemonSet"/>: one pod per registered node, created on it.
    /// </summary>
    public PodWave(ClusterModel cluster, string controller, string what, ApiClient client, int burstPerSync, Workload? workload, bool daemonSet)
    {
        _cluster = cluster;
        _client = client;
        _burstPerSync = burstPerSync;
        _workload = workload;
        _daemonSet = daemonSet;
        _what = what;
        var kcm = Identity.KubeControllerManager;
        _create = cluster.Api.DefineCall($"{controller} create pod", kcm.User, kcm.Groups, "create", "pods", "default");
        _delete = cluster.Api.DefineCall($"{controller} delete pod", kcm.User, kcm.Groups, "delete", "pods", "default");
        _pods = cluster.Api.Resources.GetOrAdd("pods");
        if (!daemonSet && cluster.DataPlane?.Scheduler is { } s) _schedulerWave = s.Register(this);
    }

    /// <summary>The controller's client.</summary>
    internal ApiClient Client => _client;

    /// <summary>When the workqueue adds the controller's key again after its last failed sync (−1: it waits for none).</summary>
    internal long NextRetryAt => _cluster.Sim.PendingAt(_retryEvent);

    /// <summary>The controller's pod create (its cost counters included).</summary>
    public ApiCall CreateCall => _create;

    public int Created => _created;
    public int Bound => _bound;
    public int Running => _running;
    public int Deleted => _deleted;

    /// <summary>The sizes of the slow-start batches sent, in order (for the record and the tests).</summary>
    public List<int> Batches { get; } = new();

    /// <summary><paramref name="pods"/> more pods wanted: the controller syncs now if it is idle.</summary>
    public void Want(int pods)
    {
        if (_wanted == _created && _toDelete == _deleted) _startedAt = _cluster.Sim.Now;
        _wanted += pods;
        Queue();
    }

    /// <summary>queue.Add: a sync now, unless a batch is in flight (then again once it is answered).</summary>
    private void Queue()
    {
        if (_outstanding > 0) _dirty = true;
        else Sync();
    }

    /// <summary>DaemonSet: node <paramref name="node"/> registered and needs its pod.</summary>
    public void WantOn(int node)
    {
        if (_ended) return;
        _nodesWaiting.Enqueue(node);
        Want(1);
    }

    /// <summary>The ReplicaSet controller deletes <paramref name="pods"/> of the workload's pods, all at once (deletes are not slow-started).</summary>
    public void Delete(int pods)
    {
        if (_workload is null) return;
        if (_wanted == _created && _toDelete == _deleted) _startedAt = _cluster.Sim.Now;
        int sent = 0;
        for (int slot = _workload.Pods - 1; slot >= 0 && sent < pods; slot--)
        {
            if (_workload.PodStopped(slot)) continue;
            _toDelete++;
            sent++;
            _cluster.Api.Send(_client, _delete, this, ResponseTag.Make(TagDelete, slot));
        }
    }

    /// <summary>
    /// The workload itself was deleted (a rollback): the controller creates no more of its pods, and pods created but
    /// not yet running never start (the garbage collector deletes them with the rest).
    /// </summary>
    public void End()
    {
        _ended = true;
        _nodesWaiting.Clear();
        _wanted = _created;
    }

    private void Sync()
    {
        _dirty = false;
        if (_ended) return;
        int diff = Math.Min(_wanted - _created, _burstPerSync);
        if (diff <= 0) return;
        _syncLeft = diff;
        _batch = Math.Min(diff, SlowStartInitialBatchSize);
        SendBatch();
    }

    private void SendBatch()
    {
        Batches.Add(_batch);
        _outstanding = _batch;
        _batchFailed = false;
        for (int i = 0; i < _batch; i++) _cluster.Api.Send(_client, _create, this, ResponseTag.Make(TagCreate, 0));
    }

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch)
    {
        bool ok = outcome == RequestOutcome.Ok;
        if (ResponseTag.Kind(tag) == TagDelete)
        {
            int slot = ResponseTag.Index(tag);
            if (!ok)
            {
                _cluster.Sim.Schedule(DeleteRetryTicks, this, DeleteRetryKind, slot);
                return;
            }
            _deleted++;
            _pods.Count--;
            _workload!.StopPod(slot);
            if (_deleted == _toDelete) _cluster.Log("action", $"{_what}: {_deleted:N0} pods deleted in {Seconds():F1} s");
            return;
        }
        _outstanding--;
        if (ok) OnCreated();
        else _batchFailed = true;
        if (_outstanding > 0) return;
        if (_batchFailed)
        {
            // slowStartBatch stops at the failed batch; the sync returns its error and the workqueue retries it.
            _retry = SyncRetry.Next(_retry);
            _cluster.Sim.ScheduleNoLater(ref _retryEvent, _retry, this, SyncKind);   // AddRateLimited
            if (_dirty) Sync();
            return;
        }
        _retry = 0;
        _syncLeft -= _batch;
        if (_syncLeft > 0)
        {
            _batch = Math.Min(2 * _batch, _syncLeft);
            SendBatch();
        }
        else Sync(); // a full sync done: the next one creates the rest
    }

    private void OnCreated()
    {
        _created++;
        _pods.Count++;
        if (_created == _wanted && !_daemonSet) _cluster.Log("action", $"{_what}: {_created:N0} pods created in {Seconds():F1} s");
        if (_daemonSet)
        {
            OnBound(_nodesWaiting.Count > 0 ? _nodesWaiting.Dequeue() : -1);
            return;
        }
        if (_schedulerWave >= 0) _cluster.DataPlane!.Scheduler!.EnqueueWavePod(_schedulerWave);
        else OnBound(-1); // no scheduler in the model: the pod runs somewhere
    }

    /// <summary>The pod is on node <paramref name="node"/> (−1: not modelled): its kubelet starts it and patches its status.</summary>
    internal void OnBound(int node)
    {
        _bound++;
        var dp = _cluster.DataPlane;
        if (node >= 0) dp?.Lifecycle.OnOtherPodBound(node);
        _cluster.Sim.Schedule(dp?.PodStartupTicks ?? 0, this, RunningKind, node);
    }

    public void OnEvent(int kind, long arg)
    {
        if (kind == SyncKind)
        {
            _retryEvent = EventHandle.None;
            Queue();
            return;
        }
        if (kind == DeleteRetryKind)
        {
            _cluster.Api.Send(_client, _delete, this, ResponseTag.Make(TagDelete, (int)arg));
            return;
        }
        if (_ended) return;
        _running++;
        if (_workload is { } w)
        {
            int slot = _daemonSet ? (int)arg : w.FreeSlot();
            bool nodeGone = _daemonSet && (slot < 0 || _cluster.Kubelets is { } k && k.NodeRemoved(slot));
            if (slot >= 0 && !nodeGone) w.StartPod(slot);
        }
        if (_running == _wanted && !_daemonSet) _cluster.Log("action", $"{_what}: all {_running:N0} pods running {Seconds():F1} s after the wave began");
    }

    private double Seconds() => SimTime.ToSeconds(_cluster.Sim.Now - _startedAt);
}
