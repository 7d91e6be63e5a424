using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cascade.Cli;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Importers;
using Cascade.Scenarios.Schema;
using Cascade.Tests.Cli;

namespace Cascade.Tests.Scenarios.Importers;

/// <summary>`cascade inventory`: kubectl dumps become the clusters of a scenario, with the dump's object counts and sizes.</summary>
[Collection("console")]
public class InventoryTests
{
    private static Scenario Load(string clustersYaml) => YamlBinder.Load<Scenario>(
        "apiVersion: cascade/v1\nkind: Scenario\nmetadata: {name: inventoried}\n" + clustersYaml, "inventoried.yaml", null,
        ScenarioLoader.ApiVersion, ScenarioLoader.Kind);

    /// <summary>The truth, read whole with another API (JsonNode): per resource, its objects and the sum of their compact JSON lengths.</summary>
    private static Dictionary<string, (long Count, long Bytes)> Truth(string path)
    {
        var options = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        var truth = new Dictionary<string, (long, long)>();
        foreach (var item in JsonNode.Parse(File.ReadAllText(path))!["items"]!.AsArray())
        {
            string resource = Inventory.ResourceOf(item!["kind"]!.GetValue<string>());
            var (count, bytes) = truth.GetValueOrDefault(resource);
            truth[resource] = (count + 1, bytes + Encoding.UTF8.GetByteCount(item.ToJsonString(options)));
        }
        return truth;
    }

    private static void AssertReproduces(string dump, ClusterSpec cluster)
    {
        var truth = Truth(dump);
        Assert.Equal(truth.Keys.Order(), cluster.Objects.Keys.Order());
        foreach (var (resource, (count, bytes)) in truth)
        {
            var o = cluster.Objects[resource];
            Assert.Equal(count, o.Count);
            double total = o.Count!.Value * o.BytesPerObject!.Value.Bytes;
            Assert.True(Math.Abs(total - bytes) <= 0.01 * bytes, $"{resource}: {total} bytes against {bytes}");
        }
        Assert.Equal(truth["nodes"].Count, cluster.Nodes);
    }

    [Fact]
    public void The_example_dump_becomes_a_cluster_with_its_object_counts_exactly_and_its_bytes_within_1_percent()
    {
        string dump = RunCommandTests.Repo("examples", "staging-dump.json");
        var (code, yaml, err) = CliTests.Run("inventory", dump, "-q");
        Assert.True(code == 0, err);
        var cluster = Assert.Single(Load(yaml).Clusters);
        AssertReproduces(dump, cluster);
        Assert.Equal(("staging-dump", "1.30", 6), (cluster.Name, cluster.KubernetesVersion, cluster.Nodes));
        Assert.Equal((int)Math.Round(Truth(dump)["pods"].Count / 6.0), cluster.PodsPerNode);
        Assert.Contains("compact JSON", yaml);
    }

    [Fact]
    public void A_dump_many_times_the_read_buffer_streams_item_by_item_and_a_folder_is_one_cluster_per_file()
    {
        using var files = new TempFiles("cascade-import-");
        var dir = Directory.CreateDirectory(files.Path("")).FullName;
        string big = Path.Combine(dir, "prod-east.json"), small = Path.Combine(dir, "prod-west.json");
        File.WriteAllText(big, Dump(nodes: 50, podsPerNode: 60));
        File.WriteAllText(small, Dump(nodes: 3, podsPerNode: 2));
        Assert.True(new FileInfo(big).Length > 4 * (1 << 20), "the dump should span several read buffers");
        var (code, yaml, err) = CliTests.Run("inventory", dir, "-q");
        Assert.True(code == 0, err);
        var clusters = Load(yaml).Clusters;
        Assert.Equal(["prod-east", "prod-west"], clusters.Select(c => c.Name));
        AssertReproduces(big, clusters[0]);
        AssertReproduces(small, clusters[1]);
        Assert.Equal((60, 2), (clusters[0].PodsPerNode, clusters[1].PodsPerNode));
    }

    [Fact]
    public void Broken_json_deep_in_a_large_dump_is_bad_input_at_its_line_and_column()
    {
        var lines = Dump(nodes: 20, podsPerNode: 60).Split('\n');
        int broken = Array.FindLastIndex(lines, lines.Length - 200, l => l.Contains("\"name\""));
        lines[broken] = lines[broken].Replace("\"", "'");
        using var files = new TempFiles("cascade-import-");
        var path = files.Write(string.Join('\n', lines), ".json");
        var (code, stdout, err) = CliTests.Run("inventory", path);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Empty(stdout);
        Assert.Single(err.Trim().Split('\n'));
        int column = lines[broken].IndexOf('\'') + 1;
        Assert.StartsWith($"cascade: error: {path}:{broken + 1}:{column}: not JSON", err);
    }

    [Fact]
    public void A_dump_without_nodes_or_without_items_is_bad_input()
    {
        using var files = new TempFiles("cascade-import-");
        var noNodes = files.Write("{\"kind\":\"List\",\"items\":[{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}]}", ".json");
        var notList = files.Write("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}", ".json");
        var (code, _, err) = CliTests.Run("inventory", noNodes);
        Assert.Equal((ExitCodes.BadInput, $"cascade: error: {noNodes}: no Node objects"), (code, err[..err.IndexOf(" among", StringComparison.Ordinal)]));
        var (code2, _, err2) = CliTests.Run("inventory", notList);
        Assert.Equal(ExitCodes.BadInput, code2);
        Assert.Equal($"cascade: error: {notList}:1:1: no `items`: not a `kubectl get -o json` List", err2.Trim());
    }

    /// <summary>A `kubectl get -A -o json` List, indented as kubectl prints it, with objects of varied size and non-ASCII text.</summary>
    private static string Dump(int nodes, int podsPerNode)
    {
        var items = new JsonArray();
        var rng = new Random(nodes);
        for (int n = 0; n < nodes; n++)
        {
            items.Add(new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Node",
                ["metadata"] = new JsonObject { ["name"] = $"node-{n}" },
                ["status"] = new JsonObject { ["nodeInfo"] = new JsonObject { ["kubeletVersion"] = "v1.31.2" } },
            });
            for (int p = 0; p < podsPerNode; p++)
                items.Add(new JsonObject
                {
                    ["apiVersion"] = "v1", ["kind"] = "Pod",
                    ["metadata"] = new JsonObject { ["name"] = $"pod-{n}-{p}", ["namespace"] = "apps", ["annotations"] = new JsonObject { ["note"] = "café " + new string('x', rng.Next(10, 3000)) } },
                    ["spec"] = new JsonObject { ["nodeName"] = $"node-{n}" },
                });
        }
        for (int c = 0; c < nodes * 3; c++)
            items.Add(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = $"c{c}" }, ["data"] = new JsonObject { ["k"] = new string('v', rng.Next(1, 500)) } });
        var list = new JsonObject { ["apiVersion"] = "v1", ["items"] = items, ["kind"] = "List", ["metadata"] = new JsonObject { ["resourceVersion"] = "" } };
        return list.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }
}
