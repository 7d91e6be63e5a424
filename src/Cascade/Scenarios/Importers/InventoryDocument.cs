using System.Globalization;
using Cascade.ControlPlane;

namespace Cascade.Scenarios.Importers;

/// <summary>A resource's `objects:` entry (docs/scenario-format.md, `cluster.objects`).</summary>
public sealed record InventoryObjects(long Count, long BytesPerObject);

/// <summary>A cluster as a scenario declares it, from a dump.</summary>
public sealed record InventoryCluster(string Name, string? KubernetesVersion, long Nodes, int PodsPerNode, SortedDictionary<string, InventoryObjects> Objects);

/// <summary>The `clusters:` section `cascade inventory` writes, and per cluster what the comments say.</summary>
public sealed record InventoryDocument(IReadOnlyList<InventoryCluster> Clusters, IReadOnlyList<string> Notes)
{
    public const string BytesNote = "bytesPerObject: the mean length of each object's compact JSON, as measured from the dump; etcd stores core objects as protobuf, which is smaller";

    public static InventoryDocument From(IReadOnlyList<ClusterInventory> inventories)
    {
        var clusters = new List<InventoryCluster>();
        var notes = new List<string>();
        foreach (var i in inventories)
        {
            if (i.Nodes == 0)
                throw new InputException($"no Node objects among its {i.Items:N0} items: dump the nodes too (kubectl get nodes,pods,services,endpointslices,configmaps,secrets -A -o json)", i.Source);
            var (version, why) = Version(i);
            var objects = new SortedDictionary<string, InventoryObjects>(StringComparer.Ordinal);
            foreach (var r in i.Resources) objects[r.Resource] = new InventoryObjects(r.Count, r.BytesPerObject);
            clusters.Add(new InventoryCluster(i.Name, version, i.Nodes, i.PodsPerNode, objects));
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"{i.Name}, from {i.Source}: {i.Items:N0} objects; {i.Nodes:N0} nodes; {i.Pods:N0} pods, {i.PodsOnNodes:N0} of them on the nodes: {i.PodsPerNode} per node on average ({i.PodsPerNodeMin} to {i.PodsPerNodeMax}); {why}"));
        }
        return new InventoryDocument(clusters, notes);
    }

    /// <summary>The minor most nodes' kubelets run, if the model covers it (the control plane is at least as new).</summary>
    private static (string? Version, string Why) Version(ClusterInventory i)
    {
        if (i.KubeletVersions.Count == 0) return (null, "no node gives status.nodeInfo.kubeletVersion: kubernetesVersion left at the default");
        var (minor, nodes) = i.KubeletVersions[0];
        string seen = string.Join(", ", i.KubeletVersions.Select(v => $"{v.Nodes} at {v.Version}"));
        if (KubernetesVersion.ParseMinor(minor) is null)
            return (null, $"kubelets: {seen}; {minor} is not a version the model covers, kubernetesVersion left at the default");
        return (minor, $"kubernetesVersion from the kubelets ({seen}; the control plane is at least as new)");
    }

    public string ToYaml()
    {
        var y = new YamlWriter();
        y.Comment(0, "cascade inventory: " + BytesNote + ".");
        foreach (var n in Notes) y.Comment(0, n);
        y.Open(0, "clusters");
        foreach (var c in Clusters)
        {
            y.Field(4, "name", c.Name, item: true);
            if (c.KubernetesVersion is { } v) y.Raw(4, "kubernetesVersion", $"\"{v}\"");
            y.Field(4, "nodes", c.Nodes);
            y.Field(4, "podsPerNode", c.PodsPerNode);
            y.Open(4, "objects");
            foreach (var (resource, o) in c.Objects)
                y.Raw(6, YamlWriter.Scalar(resource), string.Create(CultureInfo.InvariantCulture, $"{{count: {o.Count}, bytesPerObject: {o.BytesPerObject}}}"));
        }
        return y.ToString();
    }
}
