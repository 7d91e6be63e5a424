using Cascade.ControlPlane;

namespace Cascade.Cluster;

/// <summary>
/// The rate limits the control plane's own components give their API clients (docs/sources.md §3): each
/// controller of kube-controller-manager builds its client from the process's --kube-api-qps 20 and
/// --kube-api-burst 30, so every controller gets its own bucket.
/// </summary>
public static class BuiltInClients
{
    public const double ControllerManagerQps = 20;
    public const int ControllerManagerBurst = 30;

    /// <summary>A new client for one of kube-controller-manager's controllers.</summary>
    public static ApiClient ControllerManagerClient(this ApiServerSet api) => api.CreateClient(ControllerManagerQps, ControllerManagerBurst);
}
