namespace Cascade.Cluster;

/// <summary>Who a client is to the API server: the user name and groups authentication would give it.</summary>
public sealed record Identity(string User, IReadOnlyList<string> Groups)
{
    /// <summary>A pod's service account: system:serviceaccount:NS:NAME in system:serviceaccounts and system:serviceaccounts:NS.</summary>
    public static Identity ServiceAccount(string ns, string name) => new(
        $"system:serviceaccount:{ns}:{name}",
        new[] { "system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated" });

    /// <summary>A kubelet: system:node:NAME in system:nodes.</summary>
    public static Identity Node(string nodeName) => new($"system:node:{nodeName}", new[] { "system:nodes", "system:authenticated" });

    public static Identity ForUser(string name, IEnumerable<string> groups) =>
        new(name, groups.Append("system:authenticated").Distinct().ToArray());

    /// <summary>A kube-system service account (CoreDNS, kube-proxy): the kube-system-service-accounts FlowSchema (docs/sources.md §2.3).</summary>
    public static Identity KubeSystem(string name) => ServiceAccount("kube-system", name);

    public static readonly Identity KubeControllerManager = new("system:kube-controller-manager", new[] { "system:authenticated" });
    public static readonly Identity KubeScheduler = new("system:kube-scheduler", new[] { "system:authenticated" });
}
