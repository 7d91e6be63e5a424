namespace Cascade.ControlPlane;

/// <summary>
/// One kind of stored object (pods, nodes, leases, ...) in a cluster: how many there are and how large
/// each is in etcd. The model never materialises objects; every cost is a function of these numbers.
/// </summary>
public sealed class ApiResource
{
    public ApiResource(int index, string name, string apiGroup, long count, long bytesPerObject, bool namespaced)
    {
        Index = index;
        Name = name;
        ApiGroup = apiGroup;
        Count = count;
        BytesPerObject = bytesPerObject;
        Namespaced = namespaced;
    }

    public int Index { get; }
    public string Name { get; }
    public string ApiGroup { get; }
    public bool Namespaced { get; }

    /// <summary>Objects stored now (a scale-down or new pods change it during a run).</summary>
    public long Count { get; set; }

    /// <summary>Size of one object in etcd (protobuf encoding).</summary>
    public long BytesPerObject { get; }

    public long StoredBytes => Count * BytesPerObject;

    /// <summary>
    /// Built-in resources with their API group, scope and typical stored size. Sizes are assumptions
    /// (docs/model.md) except pods: docs/sources.md §2.6 measured 602 MB for 60,077 pods in etcd ≈ 10 KB each.
    /// </summary>
    public static (string Group, bool Namespaced, long Bytes) Defaults(string name) => name switch
    {
        "pods" => ("", true, 10_000),            // docs/sources.md §2.6: 602 MB / 60,077 pods
        "nodes" => ("", false, 15_000),          // assumption: status with images and conditions
        "leases" => ("coordination.k8s.io", true, 300),
        "services" => ("", true, 1_000),
        "endpoints" => ("", true, 3_000),
        "endpointslices" => ("discovery.k8s.io", true, 3_000),
        "configmaps" => ("", true, 4_000),
        "secrets" => ("", true, 3_000),
        "events" => ("", true, 1_000),
        "deployments" => ("apps", true, 4_000),
        "replicasets" => ("apps", true, 3_000),
        "daemonsets" => ("apps", true, 4_000),
        "namespaces" => ("", false, 500),
        _ => ("", true, 2_000),
    };
}
