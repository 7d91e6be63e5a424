using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>
/// Stands for kube-controller-manager's ReplicaSet controller: it creates a replacement for each deleted pod of
/// a ReplicaSet (its own client, 20 QPS / burst 30, as kube-controller-manager gives each controller one:
/// docs/sources.md §3), and hands the created pod to kube-scheduler (KubeScheduler.cs). A create that fails is
/// retried after a back-off (assumption: the workqueue's, from 1 s, bounded below by the 1 s resync, to 60 s).
/// Kept: one create per replacement, retried until it lands. Left out: the controller's informers and
/// expectations, slow-start batching of creates, and deletes (the garbage collector's, GarbageCollector.cs).
/// </summary>
public sealed class ReplicaSetController : IApiCaller, IEventHandler
{
    private const int RecreateKind = 1, RecreateOtherKind = 2;
    private const long TagCreate = 1, TagCreateOther = 2;
    // assumption: workqueue back-off from 1 s (bounded below by the 1 s resync) to 60 s
    private static readonly Backoff CreateRetry = new(SimTime.FromSeconds(1), SimTime.FromSeconds(60));

    private readonly Simulation _sim;
    private readonly ApiServerSet _api;
    private readonly DataPlane _dp;
    private readonly KubeScheduler _scheduler;
    private readonly ApiClient _client;
    private readonly ApiCall _create;
    private readonly long[] _createRetry;
    private long _otherCreateRetry;

    public ReplicaSetController(Simulation sim, ApiServerSet api, DataPlane dp, KubeScheduler scheduler, ApiClient client)
    {
        _sim = sim;
        _api = api;
        _dp = dp;
        _scheduler = scheduler;
        _client = client;
        var kcm = Identity.KubeControllerManager;
        _create = api.DefineCall("replicaset-controller create pod", kcm.User, kcm.Groups, "create", "pods", "default");
        _createRetry = new long[dp.Pods.Count];
    }

    /// <summary>The controller's client (kube-controller-manager gives each controller its own).</summary>
    public ApiClient Client => _client;

    /// <summary>Replaces deleted tracked pod <paramref name="pod"/>.</summary>
    public void Recreate(int pod) => _api.Send(_client, _create, this, ResponseTag.Make(TagCreate, pod));

    /// <summary>Replaces a deleted pod the data plane does not track one by one.</summary>
    public void RecreateOther() => _api.Send(_client, _create, this, ResponseTag.Make(TagCreateOther, 0));

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch)
    {
        int i = ResponseTag.Index(tag);
        bool ok = outcome == RequestOutcome.Ok;
        if (ResponseTag.Kind(tag) == TagCreate)
        {
            if (ok)
            {
                _createRetry[i] = 0;
                _dp.Lifecycle.OnPodCreated(i);
                _scheduler.Created(i);
            }
            else
            {
                _createRetry[i] = CreateRetry.Next(_createRetry[i]);
                _sim.Schedule(_createRetry[i], this, RecreateKind, i);
            }
        }
        else if (ok)
        {
            _otherCreateRetry = 0;
            _scheduler.Created(-1);
        }
        else
        {
            _otherCreateRetry = CreateRetry.Next(_otherCreateRetry);
            _sim.Schedule(_otherCreateRetry, this, RecreateOtherKind, 0);
        }
    }

    public void OnEvent(int kind, long arg)
    {
        if (kind == RecreateKind) Recreate((int)arg);
        else RecreateOther();
    }
}
