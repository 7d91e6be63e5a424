namespace Cascade.ControlPlane;

// Stands for: the subresources kube-apiserver serves beside an object's own REST endpoint
// (pkg/registry/core/pod/storage/storage.go, pkg/registry/core/node/storage/storage.go), priced as the API
// server spends on them (docs/model.md, "Subresources"):
// - status (pods/status, nodes/status, any resource's /status): an UPDATE or PATCH is a write of the parent
//   object (StatusREST shares the parent's store: one etcd write, APF's mutating work estimate, a watch
//   event of the parent); a GET reads the parent.
// - log (pods/log, pkg/registry/core/pod/rest/log.go) and exec (pods/exec, subresources.go ExecREST): the
//   API server reads the pod (pod.LogLocation / ExecLocation → store Get with no resourceVersion: one etcd
//   read) and proxies the stream to the kubelet; both are long-running (BasicLongRunningRequestCheck), so
//   APF and the max-in-flight filter do not hold them.
// - eviction (pods/eviction, pkg/registry/core/pod/storage/eviction.go): a create that reads the pod and
//   the namespace's PodDisruptionBudgets, then deletes the pod: an etcd read and an etcd write.
// Leaves out: the kubelet's side of log and exec (its time and the bytes of the stream), PDB status
// updates, attach/portforward/proxy, binding.

/// <summary>Which subresources a scenario may address, and with which verbs.</summary>
public static class Subresources
{
    /// <summary>The subresource named after the '/' of <paramref name="resource"/>, and its parent resource.</summary>
    public static Subresource Parse(string resource, out string parent)
    {
        int slash = resource.IndexOf('/');
        if (slash < 0)
        {
            parent = resource;
            return Subresource.None;
        }
        parent = resource[..slash];
        return resource[(slash + 1)..] switch
        {
            "status" => Subresource.Status,
            "log" => Subresource.Log,
            "exec" => Subresource.Exec,
            "eviction" => Subresource.Eviction,
            _ => throw new ArgumentException($"unknown subresource in '{resource}'", nameof(resource)),
        };
    }

    /// <summary>What is wrong with calling <paramref name="verb"/> on <paramref name="resource"/>, or null if nothing.</summary>
    public static string? Check(string resource, string verb)
    {
        int slash = resource.IndexOf('/');
        if (slash < 0) return null;
        string parent = resource[..slash], sub = resource[(slash + 1)..];
        string[]? verbs = sub switch
        {
            "status" => ["get", "update", "patch"],
            "log" when parent == "pods" => ["get"],
            "exec" when parent == "pods" => ["create", "get"],
            "eviction" when parent == "pods" => ["create"],
            _ => null,
        };
        if (verbs is null) return $"unknown subresource '{resource}' (known: <resource>/status, pods/log, pods/exec, pods/eviction)";
        return Array.IndexOf(verbs, verb) >= 0 ? null : $"{resource} takes {string.Join(", ", verbs)}, not {verb}";
    }
}
