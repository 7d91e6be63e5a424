using Cascade.Engine;

namespace Cascade.Cluster;

/// <summary>
/// Restarting a workload's pods, as `kubectl rollout restart` or a new pod template makes the DaemonSet or
/// Deployment controller do it: at most maxUnavailable pods down at a time, and the next one taken down only
/// when one that restarted is Ready again (pkg/controller/daemon/update.go rollingUpdate; for a Deployment,
/// maxSurge 0). With maxUnavailable at 100 % every pod restarts at once and every informer lists together.
/// A pod counts as Ready once it runs and its informers have synced, so a slow control plane slows the
/// rollout — as real readiness gates on synced caches do. Left out: the controller's own API calls (a pod
/// deletion and creation each), minReadySeconds, and maxSurge above 0.
/// </summary>
public sealed class PodRestarts : IEventHandler
{
    /// <summary>How often the controller's view of readiness is looked at (it reacts to pod events; one second is the model's resolution).</summary>
    private static readonly long CheckTicks = SimTime.FromSeconds(1);

    private readonly ClusterModel _cluster;
    private readonly Workload _workload;
    private readonly int _maxUnavailable;
    private readonly long _downTicks;
    private readonly List<int> _unavailable;
    private readonly long _startedAt;
    private int _next;
    private int _restarted;

    public PodRestarts(ClusterModel cluster, Workload workload, int maxUnavailable, long downTicks)
    {
        _cluster = cluster;
        _workload = workload;
        _maxUnavailable = Math.Max(1, maxUnavailable);
        _downTicks = downTicks;
        _unavailable = new List<int>(Math.Min(_maxUnavailable, workload.Pods));
        _startedAt = cluster.Sim.Now;
    }

    public void Start() => OnEvent(0, 0);

    public void OnEvent(int kind, long arg)
    {
        int kept = 0;
        for (int i = 0; i < _unavailable.Count; i++)
        {
            int p = _unavailable[i];
            if (!_workload.PodReady(p) && !_workload.PodGone(p)) _unavailable[kept++] = p;
        }
        _unavailable.RemoveRange(kept, _unavailable.Count - kept);
        while (_unavailable.Count < _maxUnavailable && _next < _workload.Pods)
        {
            int pod = _next++;
            if (_workload.PodStopped(pod)) continue;
            _workload.RestartPod(pod, _downTicks);
            _unavailable.Add(pod);
            _restarted++;
        }
        if (_next < _workload.Pods || _unavailable.Count > 0)
        {
            _cluster.Sim.Schedule(CheckTicks, this, 0);
            return;
        }
        _cluster.Log("fault", $"{_workload.Name}: {_restarted} pods restarted and Ready in {SimTime.ToSeconds(_cluster.Sim.Now - _startedAt):F0} s");
    }
}
