using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

// Stands for: kube-controller-manager's ReplicaSet controller replacing the data plane's deleted pods
// (pkg/controller/replicaset/replica_set.go: deletePod, syncReplicaSet, manageReplicas; docs/model-dataplane.md,
// "ReplicaSet controller and scheduler").
// Keeps:
// - one workqueue key per ReplicaSet: each Service's pods (a product's, CoreDNS's) are one ReplicaSet, and the pods
//   the data plane only counts are one more;
// - a deletion reaches the controller through kube-controller-manager's pod informer: at once while it watches, else
//   when it watches again (the relist delivers it, as it does to the EndpointSlice controller); it queues its
//   ReplicaSet at once (deletePod → queue.Add), whatever back-off the key waits, and a pod is missing for the sync
//   only once the controller has seen its deletion (the sync counts the pods in its informer's cache);
// - a sync creates what is missing, at most 500 (burstReplicas), in slow-start batches of 1, 2, 4, ... creates in
//   parallel, the next batch only when the whole batch landed (controller_utils.go slowStartBatch); a failed batch
//   ends the sync with an error, and what it did not try waits for the next sync;
// - a failed sync is queued again after the workqueue's per-item back-off, 5 ms doubling to 1000 s
//   (client-go util/workqueue DefaultControllerRateLimiter), kept until a sync succeeds (Forget); a key waits for at
//   most one such retry, at the earlier time (the delaying queue keeps the earlier);
// - a worker takes a queued key once the instant's other events have happened, so deletions that land together are
//   one sync; a key queued while its sync runs is synced again as soon as that ends (the workqueue's dirty set);
// - each create a POST of a pod through the controller manager's own client (20 QPS, burst 30); then
//   kube-scheduler binds it (KubeScheduler.cs).
// Leaves out: expectations (a sync waits for its informer to observe the pods it created before creating more), the
// watch's own delay while the informer watches, the rate limiter's overall 10 QPS bucket, and deletes (the garbage
// collector's, GarbageCollector.cs).

/// <summary>kube-controller-manager's ReplicaSet controller: creates a replacement for each deleted pod, one ReplicaSet's sync at a time.</summary>
public sealed class ReplicaSetController : IApiCaller, IEventHandler
{
    private const int RetryKind = 1, PickUpKind = 2;
    private const long TagCreate = 1, TagCreateOther = 2;
    private const int BurstReplicas = 500;               // replica_set.go BurstReplicas
    private const int SlowStartInitialBatchSize = 1;     // controller_utils.go SlowStartInitialBatchSize
    private static readonly Backoff SyncRetry = Backoff.ControllerWorkqueue;

    private readonly Simulation _sim;
    private readonly ApiServerSet _api;
    private readonly DataPlane _dp;
    private readonly KubeScheduler _scheduler;
    private readonly ApiClient _client;
    private readonly ApiCall _create;
    private readonly Informer? _podInformer;

    // Per ReplicaSet (a Service's index; the last one stands for the pods the data plane only counts).
    private readonly Queue<int>[] _missing;          // tracked pods deleted and not yet created again, in deletion order
    private int _otherMissing;                       // the counted pods' ReplicaSet: how many
    private readonly Queue<int>[] _unseen;           // deleted while the pod informer did not watch: not yet missing to the sync
    private int _otherUnseen;
    private bool _anyUnseen;
    private readonly bool[] _syncing, _dirty, _batchFailed, _queued;
    private readonly int[] _batch, _syncLeft, _outstanding;
    private readonly long[] _retry;
    private readonly int[] _requeues;
    private readonly EventHandle[] _retryEvent;
    private readonly int _other;

    /// <param name="podInformer">kube-controller-manager's pod informer, through which deletions reach the controller (null: at once).</param>
    public ReplicaSetController(Simulation sim, ApiServerSet api, DataPlane dp, KubeScheduler scheduler, ApiClient client, Informer? podInformer = null)
    {
        _podInformer = podInformer;
        _sim = sim;
        _api = api;
        _dp = dp;
        _scheduler = scheduler;
        _client = client;
        var kcm = Identity.KubeControllerManager;
        _create = api.DefineCall("replicaset-controller create pod", kcm.User, kcm.Groups, "create", "pods", "default");
        int sets = dp.Services.Count + 1;
        _other = sets - 1;
        _missing = new Queue<int>[sets];
        _unseen = new Queue<int>[sets];
        for (int s = 0; s < sets; s++)
        {
            _missing[s] = new Queue<int>();
            _unseen[s] = new Queue<int>();
        }
        _syncing = new bool[sets];
        _dirty = new bool[sets];
        _batchFailed = new bool[sets];
        _queued = new bool[sets];
        _batch = new int[sets];
        _syncLeft = new int[sets];
        _outstanding = new int[sets];
        _retry = new long[sets];
        _requeues = new int[sets];
        _retryEvent = new EventHandle[sets];
    }

    /// <summary>The controller's client (kube-controller-manager gives each controller its own).</summary>
    public ApiClient Client => _client;

    /// <summary>Creates sent, landed or not.</summary>
    public long CreatesSent { get; private set; }

    /// <summary>Syncs whose batch failed (each then waits its ReplicaSet's back-off, unless a deletion queues it first).</summary>
    public long FailedSyncs { get; private set; }

    /// <summary>Pods of ReplicaSet <paramref name="set"/> (a Service's index, or <see cref="Services"/> for the counted pods) still to be created.</summary>
    internal int Missing(int set) => set == _other ? _otherMissing : _missing[set].Count;

    /// <summary>The number of ReplicaSets: one per Service, and the counted pods' (the last).</summary>
    internal int Services => _missing.Length;

    /// <summary>The back-off ReplicaSet <paramref name="set"/> waits after its last failed sync (0: its last sync succeeded).</summary>
    internal long RetryTicks(int set) => _retry[set];

    /// <summary>Failed syncs of ReplicaSet <paramref name="set"/> since its last sync that succeeded (the workqueue's NumRequeues).</summary>
    internal int Requeues(int set) => _requeues[set];

    /// <summary>When ReplicaSet <paramref name="set"/>'s retry queues it (−1: none waits).</summary>
    internal long NextRetryAt(int set) => _sim.PendingAt(_retryEvent[set]);

    /// <summary>Tracked pod <paramref name="pod"/>'s deletion landed: its ReplicaSet is queued once the controller sees it.</summary>
    public void Recreate(int pod)
    {
        int set = _dp.Pods.Service[pod];
        if (Seeing)
        {
            _missing[set].Enqueue(pod);
            Queue(set);
            return;
        }
        _unseen[set].Enqueue(pod);
        _anyUnseen = true;
    }

    /// <summary>A pod the data plane only counts was deleted: its ReplicaSet is queued once the controller sees it.</summary>
    public void RecreateOther()
    {
        if (Seeing)
        {
            _otherMissing++;
            Queue(_other);
            return;
        }
        _otherUnseen++;
        _anyUnseen = true;
    }

    private bool Seeing => _podInformer is not { IsWatching: false };

    /// <summary>Deleted pods the controller has not seen yet, of ReplicaSet <paramref name="set"/>.</summary>
    internal int Unseen(int set) => set == _other ? _otherUnseen : _unseen[set].Count;

    /// <summary>Once a second: deletions made while the pod informer did not watch are seen once it does.</summary>
    public void Tick()
    {
        if (!_anyUnseen || !Seeing) return;
        _anyUnseen = false;
        for (int set = 0; set < _unseen.Length; set++)
        {
            bool any = false;
            while (_unseen[set].TryDequeue(out int pod))
            {
                _missing[set].Enqueue(pod);
                any = true;
            }
            if (set == _other && _otherUnseen > 0)
            {
                _otherMissing += _otherUnseen;
                _otherUnseen = 0;
                any = true;
            }
            if (any) Queue(set);
        }
    }

    /// <summary>
    /// queue.Add: a worker takes the key once what happens at this instant has happened (every deletion landing now is
    /// in its sync), or, if its sync runs, as soon as that ends.
    /// </summary>
    private void Queue(int set)
    {
        if (_syncing[set]) _dirty[set] = true;
        else if (!_queued[set])
        {
            _queued[set] = true;
            _sim.Schedule(0, this, PickUpKind, set);
        }
    }

    private void Sync(int set)
    {
        _dirty[set] = false;
        int diff = Math.Min(Missing(set), BurstReplicas);
        if (diff == 0)
        {
            _syncing[set] = false;
            Forget(set);   // nothing to do is a sync that succeeded
            return;
        }
        _syncing[set] = true;
        _syncLeft[set] = diff;
        _batch[set] = Math.Min(diff, SlowStartInitialBatchSize);
        SendBatch(set);
    }

    private void SendBatch(int set)
    {
        int n = _batch[set];
        _outstanding[set] = n;
        _batchFailed[set] = false;
        CreatesSent += n;
        for (int i = 0; i < n; i++)
        {
            if (set == _other)
            {
                _otherMissing--;
                _api.Send(_client, _create, this, ResponseTag.Make(TagCreateOther, 0));
            }
            else _api.Send(_client, _create, this, ResponseTag.Make(TagCreate, _missing[set].Dequeue()));
        }
    }

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch)
    {
        bool ok = outcome == RequestOutcome.Ok;
        int set;
        if (ResponseTag.Kind(tag) == TagCreate)
        {
            int pod = ResponseTag.Index(tag);
            set = _dp.Pods.Service[pod];
            if (ok)
            {
                _dp.Lifecycle.OnPodCreated(pod);
                _scheduler.Created(pod);
            }
            else _missing[set].Enqueue(pod);
        }
        else
        {
            set = _other;
            if (ok) _scheduler.Created(-1);
            else _otherMissing++;
        }
        if (!ok) _batchFailed[set] = true;
        if (--_outstanding[set] > 0) return;
        if (_batchFailed[set])
        {
            // slowStartBatch stops at the failed batch; the sync returns its error: AddRateLimited, or at once if queued meanwhile.
            FailedSyncs++;
            _requeues[set]++;
            _syncing[set] = false;
            _retry[set] = SyncRetry.Next(_retry[set]);
            _sim.ScheduleNoLater(ref _retryEvent[set], _retry[set], this, RetryKind, set);   // AddRateLimited
            if (_dirty[set]) Sync(set);
            return;
        }
        _syncLeft[set] -= _batch[set];
        if (_syncLeft[set] > 0)
        {
            _batch[set] = Math.Min(2 * _batch[set], _syncLeft[set]);
            SendBatch(set);
            return;
        }
        // The sync succeeded (Forget). What is still missing (past the burst, or deleted meanwhile) is the next sync's.
        Forget(set);
        _syncing[set] = false;
        if (_dirty[set] || Missing(set) > 0) Sync(set);
    }

    private void Forget(int set)
    {
        _retry[set] = 0;
        _requeues[set] = 0;
    }

    public void OnEvent(int kind, long arg)
    {
        int set = (int)arg;
        if (kind == RetryKind)
        {
            _retryEvent[set] = EventHandle.None;
            Queue(set);
            return;
        }
        _queued[set] = false;
        if (_syncing[set]) _dirty[set] = true;
        else Sync(set);
    }
}
