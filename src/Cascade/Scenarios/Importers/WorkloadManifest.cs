using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;
using YamlDotNet.RepresentationModel;

namespace Cascade.Scenarios.Importers;

// Stands for: the change as a platform team ships it — the DaemonSet, Deployment or StatefulSet manifest that
// `kubectl apply -f` takes (apps/v1) — read for what the model needs of it: whom its pods run as
// (spec.template.spec.serviceAccountName in metadata.namespace; "default" when left out, as the API server
// defaults it), where they run (a DaemonSet: one pod per node; the others: spec.replicas, 1 when left out), and
// what they request (the containers' resources.requests, summed). Leaves out everything else of the pod:
// node selectors and tolerations (a DaemonSet runs on every node here), init containers, limits.

/// <summary>A workload read from a manifest.</summary>
public sealed record WorkloadManifest(string Kind, string Name, string Namespace, string ServiceAccount, int? Replicas, double? CpuCores, double? MemoryBytes)
{
    private static readonly string[] Kinds = ["DaemonSet", "Deployment", "StatefulSet"];

    /// <summary>The one DaemonSet, Deployment or StatefulSet among the file's documents (a List's items count as documents).</summary>
    public static WorkloadManifest Read(string path)
    {
        var text = TextFile.ReadUtf8(path);
        if (!YamlText.TryLoad(text, out var stream, out var error, out var mark))
            throw new InputException(error, path, (int)mark.Line, (int)mark.Column);
        var found = new List<YamlMappingNode>();
        foreach (var doc in stream.Documents)
        {
            if (doc.RootNode is not YamlMappingNode root) continue;
            var objects = Str(root, "kind") == "List" && root.Children.TryGetValue(new YamlScalarNode("items"), out var items) && items is YamlSequenceNode seq
                ? seq.Children.OfType<YamlMappingNode>() : [root];
            found.AddRange(objects.Where(o => Kinds.Contains(Str(o, "kind"))));
        }
        if (found.Count == 0) throw new InputException("no DaemonSet, Deployment or StatefulSet in the manifest", path, 1, 1);
        if (found.Count > 1)
        {
            var second = found[1];
            throw new InputException($"{found.Count} workloads in the manifest ({string.Join(", ", found.Select(f => $"{Str(f, "kind")} {Str(Map(f, "metadata"), "name")}"))}): give one a file",
                path, (int)second.Start.Line, (int)second.Start.Column);
        }
        return From(found[0], path);
    }

    private static WorkloadManifest From(YamlMappingNode o, string path)
    {
        string kind = Str(o, "kind")!;
        var metadata = Map(o, "metadata");
        var podSpec = Map(Map(Map(o, "spec"), "template"), "spec");
        int? replicas = null;
        if (kind != "DaemonSet")
        {
            var text = Str(Map(o, "spec"), "replicas") ?? "1";
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int r))
                throw At(Map(o, "spec")!, "replicas", path, $"spec.replicas: expected a whole number, got '{text}'");
            replicas = r;
        }
        double? cpu = null, memory = null;
        if (podSpec?.Children.TryGetValue(new YamlScalarNode("containers"), out var containers) == true && containers is YamlSequenceNode list)
            foreach (var c in list.Children.OfType<YamlMappingNode>())
            {
                var requests = Map(Map(c, "resources"), "requests");
                cpu = Add(cpu, requests, "cpu", path);
                memory = Add(memory, requests, "memory", path);
            }
        return new WorkloadManifest(kind, Str(metadata, "name") ?? "", Str(metadata, "namespace") ?? "default",
            Str(podSpec, "serviceAccountName") ?? Str(podSpec, "serviceAccount") ?? "default", replicas, cpu, memory);
    }

    private static double? Add(double? sum, YamlMappingNode? requests, string resource, string path)
    {
        if (Str(requests, resource) is not { } text) return sum;
        if (!Quantity.TryParse(text, out var q, out var error)) throw At(requests!, resource, path, $"resources.requests.{resource}: {error}");
        return (sum ?? 0) + q.Value;
    }

    private static InputException At(YamlMappingNode map, string key, string path, string message)
    {
        var node = map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : map;
        return new InputException(message, path, (int)node.Start.Line, (int)node.Start.Column);
    }

    private static YamlMappingNode? Map(YamlMappingNode? m, string key) =>
        m is not null && m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v as YamlMappingNode : null;

    private static string? Str(YamlMappingNode? m, string key) =>
        m is not null && m.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;

    /// <summary>
    /// Gives <paramref name="w"/> what its `manifest:` says (identity, placement, replicas, resources) and what its
    /// `profile:` says (calls and informers), refusing a field written beside the file that supplies it.
    /// </summary>
    public static void Resolve(WorkloadSpec w, ValidationContext ctx)
    {
        string Full(string file) => System.IO.Path.IsPathRooted(file) || ctx.BaseDirectory is null ? file : System.IO.Path.Combine(ctx.BaseDirectory, file);
        if (w.Manifest is { } manifestFile)
        {
            foreach (var field in new[] { nameof(WorkloadSpec.Identity), nameof(WorkloadSpec.Placement), nameof(WorkloadSpec.Replicas) })
                if (ctx.IsSet(field)) ctx.Fail(field, $"comes from the manifest '{manifestFile}': leave it out");
            var path = Full(manifestFile);
            if (!File.Exists(path)) ctx.Fail(nameof(WorkloadSpec.Manifest), $"manifest '{path}' not found");
            var m = Read(path);
            w.Identity = new IdentitySpec { ServiceAccount = $"{m.Namespace}/{m.ServiceAccount}" };
            w.Placement = m.Kind == "DaemonSet" ? Placement.PerNode : Placement.Replicas;
            if (m.Replicas is { } r) w.Replicas = r;
            if (!ctx.IsSet(nameof(WorkloadSpec.Resources)))
            {
                if (m.CpuCores is { } cpu) w.Resources.Cpu = cpu;
                if (m.MemoryBytes is { } memory) w.Resources.Memory = new Quantity(memory);
            }
        }
        if (w.Profile is not { } profileFile) return;
        foreach (var field in new[] { nameof(WorkloadSpec.Calls), nameof(WorkloadSpec.Informers) })
            if (ctx.IsSet(field)) ctx.Fail(field, $"comes from the profile '{profileFile}': leave it out, or the profile");
        var profilePath = Full(profileFile);
        if (!File.Exists(profilePath)) ctx.Fail(nameof(WorkloadSpec.Profile), $"profile '{profilePath}' not found");
        var profiled = YamlBinder.Load<ProfileFile>(TextFile.ReadUtf8(profilePath), profilePath).Workloads;
        var match = profiled.Where(p => SameIdentity(p.Identity, w.Identity)).ToList();
        // A workload that says nothing of whom it runs as takes the profile's one workload, identity and all.
        if (match.Count == 0 && profiled.Count == 1 && w.Manifest is null && !ctx.IsSet(nameof(WorkloadSpec.Identity))) match = profiled;
        if (match.Count != 1)
            ctx.Fail(nameof(WorkloadSpec.Profile), $"{(match.Count == 0 ? "no" : $"{match.Count}")} workloads of {Describe(w.Identity)} in the profile " +
                $"(it has: {string.Join(", ", profiled.Select(p => Describe(p.Identity)))}); profile with --change to keep one");
        if (match[0].Manifest is not null || match[0].Profile is not null)
            ctx.Fail(nameof(WorkloadSpec.Profile), "a profile's workloads give their calls inline, not from another manifest or profile");
        var from = match[0];
        w.Calls = from.Calls;
        w.Informers = from.Informers;
        if (w.Manifest is not null) return;
        if (!ctx.IsSet(nameof(WorkloadSpec.Identity))) w.Identity = from.Identity;
        if (!ctx.IsSet(nameof(WorkloadSpec.Placement))) w.Placement = from.Placement;
        if (!ctx.IsSet(nameof(WorkloadSpec.Replicas))) w.Replicas = from.Replicas;
    }

    private static bool SameIdentity(IdentitySpec a, IdentitySpec b) =>
        a.ServiceAccount == b.ServiceAccount && a.User == b.User;

    private static string Describe(IdentitySpec id) => id.ServiceAccount is { } sa ? $"serviceAccount {sa}" : $"user {id.User}";

    /// <summary>What `cascade profile` writes: a `workloads:` section.</summary>
    public sealed class ProfileFile
    {
        public List<WorkloadSpec> Workloads { get; set; } = new();
    }
}
