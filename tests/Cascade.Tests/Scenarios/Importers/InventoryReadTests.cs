using System.Text;
using Cascade.Scenarios.Importers;

namespace Cascade.Tests.Scenarios.Importers;

/// <summary>
/// One dump read into an inventory, on a list made by hand: counts and compact JSON bytes per resource, pods per node
/// over the nodes the dump lists, kubelet versions by count, kinds to resources, and file names to cluster names.
/// </summary>
public class InventoryReadTests
{
    private const string Dump = """
        {"kind": "List", "items": [
          {"kind": "Node", "metadata": {"name": "n1"}, "status": {"nodeInfo": {"kubeletVersion": "v1.30.4"}}},
          {"kind": "Node", "metadata": {"name": "n2"}, "status": {"nodeInfo": {"kubeletVersion": "v1.29.1-eks-1"}}},
          {"kind": "Node", "metadata": {"name": "n3"}, "status": {"nodeInfo": {"kubeletVersion": "1.30.0"}}},
          {"kind": "Node", "metadata": {"name": "n4"}, "status": {"nodeInfo": {"kubeletVersion": "weird"}}},
          {"kind": "Pod", "metadata": {"name": "a"}, "spec": {"nodeName": "n1"}},
          {"kind": "Pod", "metadata": {"name": "b"}, "spec": {"nodeName": "n1"}},
          {"kind": "Pod", "metadata": {"name": "c"}, "spec": {"nodeName": "n2"}},
          {"kind": "Pod", "metadata": {"name": "d"}, "spec": {"nodeName": "gone"}},
          {"kind": "Pod", "metadata": {"name": "e"}, "spec": {}},
          {"kind": "Pod", "metadata": {"name": "f"}, "spec": {"nodeName": ""}},
          {"kind": "Endpoints", "metadata": {"name": "x"}},
          {"kind": "NetworkPolicy", "metadata": {"name": "éx"}}
        ]}
        """;

    private static ClusterInventory Read(string json) => Inventory.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "dump.json", "c");

    [Fact]
    public void Counts_bytes_pods_per_node_and_kubelet_versions_come_from_the_items()
    {
        var inv = Read(Dump);
        Assert.Equal(("c", "dump.json", 12L, 4L, 6L), (inv.Name, inv.Source, inv.Items, inv.Nodes, inv.Pods));
        // Pods on listed nodes: n1 2, n2 1, n3 0, n4 0 (d's node is not in the dump; e and f have none).
        Assert.Equal((3L, 0, 2), (inv.PodsOnNodes, inv.PodsPerNodeMin, inv.PodsPerNodeMax));
        Assert.Equal(1, inv.PodsPerNode); // 3 / 4 rounded
        Assert.Equal(["endpoints", "networkpolicies", "nodes", "pods"], inv.Resources.Select(r => r.Resource));
        var node = inv.Resources.Single(r => r.Resource == "nodes");
        long nodeBytes = """{"kind":"Node","metadata":{"name":"n1"},"status":{"nodeInfo":{"kubeletVersion":"v1.30.4"}}}""".Length
            + """{"kind":"Node","metadata":{"name":"n2"},"status":{"nodeInfo":{"kubeletVersion":"v1.29.1-eks-1"}}}""".Length
            + """{"kind":"Node","metadata":{"name":"n3"},"status":{"nodeInfo":{"kubeletVersion":"1.30.0"}}}""".Length
            + """{"kind":"Node","metadata":{"name":"n4"},"status":{"nodeInfo":{"kubeletVersion":"weird"}}}""".Length;
        Assert.Equal((4L, nodeBytes), (node.Count, node.Bytes));
        Assert.Equal((long)Math.Round(nodeBytes / 4.0, MidpointRounding.AwayFromZero), node.BytesPerObject);
        // The compact length counts characters as written, not escaped: é is two bytes.
        Assert.Equal(Encoding.UTF8.GetByteCount("""{"kind":"NetworkPolicy","metadata":{"name":"éx"}}"""), inv.Resources.Single(r => r.Resource == "networkpolicies").Bytes);
        Assert.Equal([("1.30", 2L), ("1.29", 1L)], inv.KubeletVersions);
    }

    [Fact]
    public void Versions_tie_by_the_newer_first_and_a_dump_without_nodes_has_no_pods_per_node()
    {
        var inv = Read("""{"items":[{"kind":"Node","metadata":{"name":"a"},"status":{"nodeInfo":{"kubeletVersion":"v1.9.0"}}},{"kind":"Node","metadata":{"name":"b"},"status":{"nodeInfo":{"kubeletVersion":"v1.10.0"}}}]}""");
        Assert.Equal([("1.9", 1L), ("1.10", 1L)], inv.KubeletVersions); // ordinal, newest-looking first
        var none = Read("""{"items":[{"kind":"Pod","metadata":{"name":"p"},"spec":{"nodeName":"x"}}]}""");
        Assert.Equal((0L, 0, 0, 0, 1L), (none.Nodes, none.PodsPerNode, none.PodsPerNodeMin, none.PodsPerNodeMax, none.Pods));
        Assert.Equal(0, new ResourceCount("x", 0, 0).BytesPerObject);
        Assert.Equal(2, new ResourceCount("x", 2, 3).BytesPerObject); // 1.5 rounds away from zero
    }

    [Theory]
    [InlineData("""{"items":[{"metadata":{}}]}""")]
    [InlineData("""{"items":[{"kind":5}]}""")]
    [InlineData("""{"items":[{"kind":""}]}""")]
    public void An_item_without_a_kind_is_bad_input_at_its_index(string json)
    {
        var e = Assert.Throws<InputException>(() => Read(json));
        Assert.Equal(("an item without a kind", "items[0]", "dump.json"), (e.Message, e.Field, e.File));
    }

    [Theory]
    [InlineData("Pod", "pods")]
    [InlineData("Endpoints", "endpoints")]
    [InlineData("NetworkPolicy", "networkpolicies")]
    [InlineData("Gateway", "gateways")]
    [InlineData("Y", "ys")]
    [InlineData("Ingress", "ingresses")]
    [InlineData("Box", "boxes")]
    [InlineData("Patch", "patches")]
    [InlineData("Mesh", "meshes")]
    [InlineData("Lease", "leases")]
    public void A_kind_is_stored_as_its_lower_case_plural(string kind, string resource) => Assert.Equal(resource, Inventory.ResourceOf(kind));

    [Fact]
    public void Each_file_is_a_cluster_named_after_it_and_a_folder_gives_its_dumps_in_name_order()
    {
        var dir = Directory.CreateTempSubdirectory("cascade-inv-").FullName;
        try
        {
            const string one = """{"items":[{"kind":"Node","metadata":{"name":"a"}}]}""";
            foreach (var f in new[] { "b_Prod.json", "a.json", "skip.txt", "--.json" }) File.WriteAllText(Path.Combine(dir, f), one);
            var other = Directory.CreateDirectory(Path.Combine(dir, "more")).FullName;
            File.WriteAllText(Path.Combine(other, "a.json"), one);
            var all = Inventory.ReadAll([dir, Path.Combine(other, "a.json")]);
            Assert.Equal(["cluster", "a", "b-prod", "a-2"], all.Select(c => c.Name));
            var empty = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;
            var e = Assert.Throws<InputException>(() => Inventory.ReadAll([empty]));
            Assert.Equal(("no *.json or *.json.gz dumps in the folder", empty), (e.Message, e.File));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
