using Cascade.ControlPlane;
using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>
/// The garbage collector deleting a removed DaemonSet's pods, each a DELETE through the API server as
/// kube-controller-manager (workload-high), with --concurrent-gc-syncs 20 workers on its 20 QPS client
/// (docs/sources.md §3). A pod stops when its deletion succeeds; a failed deletion is retried after a second.
/// So removing a change through the API server takes minutes even once the server answers again.
/// </summary>
public sealed class GarbageCollector : IApiCaller, IEventHandler
{
    private const int Workers = 20; // kube-controller-manager --concurrent-gc-syncs default
    private readonly ClusterModel _cluster;
    private readonly Workload _workload;
    private readonly ApiClient _client;
    private readonly ApiCall _delete;
    private readonly long _startedAt;
    private int _next;
    private int _remaining;

    public GarbageCollector(ClusterModel cluster, Workload workload)
    {
        _cluster = cluster;
        _workload = workload;
        var kcm = Identity.KubeControllerManager;
        _client = cluster.Api.ControllerManagerClient();
        _delete = cluster.Api.DefineCall("garbage collector delete pod", kcm.User, kcm.Groups, "delete", "pods", workload.Namespace);
        _startedAt = cluster.Sim.Now;
    }

    public void Start()
    {
        for (int p = 0; p < _workload.Pods; p++) if (!_workload.PodStopped(p)) _remaining++;
        if (_remaining == 0) _cluster.Log("action", $"no pod of {_workload.Name} was running yet: nothing for the garbage collector to delete");
        for (int i = 0; i < Workers; i++) Next();
    }

    private void Next()
    {
        while (_next < _workload.Pods && _workload.PodStopped(_next)) _next++;
        if (_next >= _workload.Pods) return;
        _cluster.Api.Send(_client, _delete, this, _next++);
    }

    public void OnResponse(long tag, RequestOutcome outcome, long latencyTicks, WatchHandle watch)
    {
        int pod = (int)tag;
        if (outcome != RequestOutcome.Ok)
        {
            _cluster.Sim.Schedule(SimTime.TicksPerSecond, this, 0, pod);
            return;
        }
        if (!_workload.PodStopped(pod))
        {
            _workload.StopPod(pod);
            if (--_remaining == 0)
                _cluster.Log("action", $"all pods of {_workload.Name} deleted through the API server in {SimTime.ToMinutes(_cluster.Sim.Now - _startedAt):F1} min");
        }
        Next();
    }

    public void OnEvent(int kind, long arg) => _cluster.Api.Send(_client, _delete, this, arg);
}
