using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cascade.Scenarios.Importers;

// Stands for: what `kubectl get nodes,pods,services,endpointslices,configmaps,secrets -A -o json` shows of a
// cluster's size: its nodes, the pods on them, and per resource the objects stored and their size. Keeps
// counts and byte sums per resource, pods per node, and the nodes' kubelet versions. Leaves out the objects
// themselves: an object's size is the length of its compact JSON (the API server's encoding), which is larger
// than the protobuf etcd stores core objects in.

/// <summary>The objects of one resource in a dump.</summary>
public sealed record ResourceCount(string Resource, long Count, long Bytes)
{
    /// <summary>Mean compact JSON length, rounded to the byte.</summary>
    public long BytesPerObject => Count == 0 ? 0 : (long)Math.Round(Bytes / (double)Count, MidpointRounding.AwayFromZero);
}

/// <summary>One cluster's inventory: what `cascade inventory` turns into a scenario's cluster.</summary>
public sealed record ClusterInventory(string Name, string Source, long Items, long Nodes, long Pods, long PodsOnNodes,
    int PodsPerNodeMin, int PodsPerNodeMax, IReadOnlyList<ResourceCount> Resources, IReadOnlyList<(string Version, long Nodes)> KubeletVersions)
{
    public int PodsPerNode => Nodes == 0 ? 0 : (int)Math.Round(PodsOnNodes / (double)Nodes, MidpointRounding.AwayFromZero);
}

/// <summary>Reads `kubectl get ... -o json` dumps into <see cref="ClusterInventory"/>s, streaming each one item at a time.</summary>
public static class Inventory
{
    /// <summary>The files named, a folder standing for its *.json and *.json.gz files in name order; one cluster each.</summary>
    public static IReadOnlyList<ClusterInventory> ReadAll(IReadOnlyList<string> paths)
    {
        var files = new List<string>();
        foreach (var p in paths)
        {
            if (!Directory.Exists(p))
            {
                files.Add(p);
                continue;
            }
            var inFolder = Directory.GetFiles(p).Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".json.gz", StringComparison.Ordinal)).ToList();
            if (inFolder.Count == 0) throw new InputException("no *.json or *.json.gz dumps in the folder", p);
            inFolder.Sort(StringComparer.Ordinal);
            files.AddRange(inFolder);
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        return files.Select(f => Read(f, UniqueName(f, names))).ToList();
    }

    private static string UniqueName(string file, HashSet<string> taken)
    {
        string name = Path.GetFileName(file);
        foreach (var ext in new[] { ".gz", ".json" })
            if (name.EndsWith(ext, StringComparison.Ordinal)) name = name[..^ext.Length];
        name = new string(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        if (name.Length == 0) name = "cluster";
        string unique = name;
        for (int i = 2; !taken.Add(unique); i++) unique = $"{name}-{i}";
        return unique;
    }

    public static ClusterInventory Read(string path, string name)
    {
        using var stream = InputFile.Open(path);
        return Read(stream, path, name);
    }

    public static ClusterInventory Read(Stream stream, string source, string name)
    {
        var counts = new Dictionary<string, (long Count, long Bytes)>(StringComparer.Ordinal);
        var podsByNode = new Dictionary<string, int>(StringComparer.Ordinal);
        var nodeNames = new HashSet<string>(StringComparer.Ordinal);
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        long pods = 0;
        var compact = new ArrayBufferWriter<byte>(1 << 16);
        using var writer = new Utf8JsonWriter(compact, new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
        long items = ListItems.Read(stream, source, (item, i) =>
        {
            if (!item.TryGetProperty("kind", out var kindValue) || kindValue.ValueKind != JsonValueKind.String || kindValue.GetString() is not { Length: > 0 } kind)
                throw new InputException("an item without a kind", source, field: $"items[{i}]");
            compact.ResetWrittenCount();
            writer.Reset();
            item.WriteTo(writer);
            writer.Flush();
            string resource = ResourceOf(kind);
            var (count, bytes) = counts.GetValueOrDefault(resource);
            counts[resource] = (count + 1, bytes + compact.WrittenCount);
            if (kind == "Node")
            {
                if (StringAt(item, "metadata", "name") is { } node) nodeNames.Add(node);
                if (StringAt(item, "status", "nodeInfo", "kubeletVersion") is { } v && Minor(v) is { } minor)
                    versions[minor] = versions.GetValueOrDefault(minor) + 1;
            }
            else if (kind == "Pod")
            {
                pods++;
                if (StringAt(item, "spec", "nodeName") is { Length: > 0 } node) podsByNode[node] = podsByNode.GetValueOrDefault(node) + 1;
            }
        });
        long nodes = counts.GetValueOrDefault("nodes").Count;
        // Pods on nodes the dump lists; a pod on a node it does not list still counts as a pod, not towards pods per node.
        var perNode = nodeNames.Select(n => podsByNode.GetValueOrDefault(n)).ToList();
        var resources = counts.Select(kv => new ResourceCount(kv.Key, kv.Value.Count, kv.Value.Bytes)).OrderBy(r => r.Resource, StringComparer.Ordinal).ToList();
        var kubelets = versions.OrderByDescending(kv => kv.Value).ThenByDescending(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value)).ToList();
        return new ClusterInventory(name, source, items, nodes, pods, perNode.Sum(), perNode.Count > 0 ? perNode.Min() : 0, perNode.Count > 0 ? perNode.Max() : 0,
            resources, kubelets);
    }

    private static string? StringAt(JsonElement e, params string[] names)
    {
        foreach (var n in names)
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(n, out e)) return null;
        return e.ValueKind == JsonValueKind.String ? e.GetString() : null;
    }

    /// <summary>"v1.30.4" (or "v1.30.4-eks-1a2b") → "1.30".</summary>
    private static string? Minor(string version)
    {
        var parts = version.TrimStart('v').Split('.');
        return parts.Length >= 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int major)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int minor)
            ? $"{major}.{minor}" : null;
    }

    /// <summary>The resource a kind is stored as: Kubernetes' lower-case plural (Endpoints is its own plural).</summary>
    public static string ResourceOf(string kind)
    {
        string k = kind.ToLowerInvariant();
        if (k == "endpoints") return k;
        if (k.EndsWith('y') && k.Length > 1 && "aeiou".IndexOf(k[^2]) < 0) return k[..^1] + "ies";
        if (k.EndsWith('s') || k.EndsWith('x') || k.EndsWith("ch", StringComparison.Ordinal) || k.EndsWith("sh", StringComparison.Ordinal)) return k + "es";
        return k + "s";
    }
}
