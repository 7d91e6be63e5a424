using System.Globalization;
using Cascade.ControlPlane;
using Cascade.ControlPlane.Apf;

namespace Cascade.Scenarios.Importers;

/// <summary>A resource's `objects:` entry (docs/scenario-format.md, `cluster.objects`).</summary>
public sealed record InventoryObjects(long Count, long BytesPerObject);

/// <summary>`apiServer: {apf: {file: ...}}`: the cluster's own APF objects.</summary>
public sealed record InventoryApiServer(InventoryApf Apf);

public sealed record InventoryApf(string File);

/// <summary>A cluster as a scenario declares it, from a dump.</summary>
public sealed record InventoryCluster(string Name, string? KubernetesVersion, long Nodes, int PodsPerNode, SortedDictionary<string, InventoryObjects> Objects,
    InventoryApiServer? ApiServer);

/// <summary>The `clusters:` section `cascade inventory` writes, and per cluster what the comments say.</summary>
public sealed record InventoryDocument(IReadOnlyList<InventoryCluster> Clusters, IReadOnlyList<string> Notes)
{
    public const string BytesNote = "bytesPerObject: the mean length of each object's compact JSON, as measured from the dump; etcd stores core objects as protobuf, which is smaller";

    /// <param name="apfFile">`kubectl get flowschemas,prioritylevelconfigurations -o yaml` of the clusters: checked as a scenario's `apiServer.apf.file` is, and named by each cluster.</param>
    public static InventoryDocument From(IReadOnlyList<ClusterInventory> inventories, string? apfFile = null)
    {
        var clusters = new List<InventoryCluster>();
        var notes = new List<string>();
        InventoryApiServer? apiServer = null;
        if (apfFile is not null)
        {
            var objects = ApfYaml.Parse(TextFile.ReadUtf8(apfFile), apfFile);
            apiServer = new InventoryApiServer(new InventoryApf(apfFile));
            notes.Add($"apiServer.apf.file: {objects.FlowSchemas.Count} FlowSchemas and {objects.PriorityLevels.Count} PriorityLevelConfigurations in {apfFile} " +
                "(a path relative to the scenario file once pasted: move or rewrite it to match)");
        }
        foreach (var i in inventories)
        {
            if (i.Nodes == 0)
                throw new InputException($"no Node objects among its {i.Items:N0} items: dump the nodes too (kubectl get nodes,pods,services,endpointslices,configmaps,secrets -A -o json)", i.Source);
            var (version, why) = Version(i);
            var objects = new SortedDictionary<string, InventoryObjects>(StringComparer.Ordinal);
            foreach (var r in i.Resources) objects[r.Resource] = new InventoryObjects(r.Count, r.BytesPerObject);
            clusters.Add(new InventoryCluster(i.Name, version, i.Nodes, i.PodsPerNode, objects, apiServer));
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
            if (c.ApiServer is not { } api) continue;
            y.Open(4, "apiServer");
            y.Open(6, "apf");
            y.Field(8, "file", api.Apf.File);
        }
        return y.ToString();
    }
}
