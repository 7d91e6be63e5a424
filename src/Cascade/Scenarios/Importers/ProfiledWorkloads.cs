using System.Globalization;
using System.Text.Json.Serialization;
using Cascade.ControlPlane.Apf;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Scenarios.Importers;

/// <summary>One call of a profiled workload, in the schema's fields (docs/scenario-format.md, `workloads[].calls`).</summary>
public sealed record ProfiledCall(Verb Verb, string Resource, Scope Scope, string? Namespace, string ResourceVersion, string? Selector,
    long? Limit, string Every, [property: JsonIgnore] string Note);

/// <summary>One informer of a profiled workload (`workloads[].informers`): a WATCH and the LISTs that start it.</summary>
public sealed record ProfiledInformer(string Resource, Scope Scope, string? Namespace, string? Selector, string ResourceVersion, long PageSize,
    [property: JsonIgnore] string Note);

public sealed record ProfiledIdentity(string? ServiceAccount, string? User, IReadOnlyList<string>? Groups);

/// <summary>A workload as a scenario declares it, and (not part of the schema) why the profile says so.</summary>
public sealed record ProfiledWorkload(string Name, ProfiledIdentity Identity, Placement Placement, int? Replicas,
    IReadOnlyList<ProfiledCall> Calls, IReadOnlyList<ProfiledInformer>? Informers,
    [property: JsonIgnore] ProfileNotes Notes);

/// <summary>What the profile saw of a workload's identity: its requests and callers, the placement's evidence, APF's classification, what it could not express.</summary>
public sealed record ProfileNotes(string Workload, string User, long Requests, int Callers, int CallersAtOnce, bool CallersAtLeast, IReadOnlyList<string> Placement,
    IReadOnlyList<string> Apf, IReadOnlyList<string> Calls, IReadOnlyList<string> NotExpressed);

/// <summary>The `workloads:` section a profile makes, with the notes that go into its comments (or beside it in JSON).</summary>
public sealed record ProfileDocument(string Source, long Requests, double WindowSeconds, string? From, string? To,
    IReadOnlyList<ProfiledWorkload> Workloads, IReadOnlyList<ProfileNotes> Notes, IReadOnlyList<string> LeftOut, IReadOnlyList<string> Warnings);

/// <summary>
/// Turns an <see cref="AuditProfile"/> into scenario workloads: one per identity, per node (a DaemonSet) when the
/// log shows one caller per node, else replicas, with each request shape as a periodic call at the rate the log
/// shows per caller, and each WATCH (with the LISTs that start it) as an informer.
/// </summary>
public static class ProfiledWorkloads
{
    /// <summary>User agents of well-known per-node agents (their DaemonSets' images), by the product name before the '/'.</summary>
    private static readonly string[] PerNodeAgents =
        ["kube-proxy", "cilium-agent", "calico-node", "aws-node", "fluent-bit", "fluentd", "datadog-agent", "node-exporter", "node-problem-detector", "csi-node-driver-registrar"];

    /// <summary>Identities the cluster model already has, left out unless named by --change.</summary>
    public static string? ModelledBy(string user) => user switch
    {
        AuditProfiler.Kubelets => "the kubelets (cluster.kubelets)",
        "system:kube-controller-manager" or "system:kube-scheduler" => "cluster.controllers",
        "system:kube-proxy" => "kube-proxy (the data plane)",
        "system:apiserver" => "the API server itself",
        _ when user.StartsWith("system:serviceaccount:kube-system:", StringComparison.Ordinal) => "kube-system's controllers and add-ons (cluster.controllers, cluster.dns)",
        _ => null,
    };

    /// <summary>Whether <paramref name="selector"/> (a user name, or a service account as namespace/name) names <paramref name="user"/>.</summary>
    public static bool Names(string selector, string user) =>
        selector == user || ServiceAccountOf(user) is { } sa && sa == selector;

    private static string? ServiceAccountOf(string user)
    {
        const string prefix = "system:serviceaccount:";
        if (!user.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var parts = user[prefix.Length..].Split(':');
        return parts.Length == 2 ? parts[0] + "/" + parts[1] : null;
    }

    /// <param name="apf">The cluster's APF objects to classify the calls by (`kubectl get flowschemas,prioritylevelconfigurations -o yaml`); Kubernetes' suggested ones when null.</param>
    public static ProfileDocument From(AuditProfile profile, IReadOnlyList<string> change, ApfSource? apf = null)
    {
        apf ??= ApfSource.Suggested;
        foreach (var name in change)
            if (!profile.Identities.Any(s => Names(name, s.User)))
                throw new InputException($"no requests by '{name}' in the log (identities: {string.Join(", ", profile.Identities.Select(s => s.User))})", field: "--change");
        var workloads = new List<ProfiledWorkload>();
        var leftOut = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in profile.Identities)
        {
            bool named = change.Any(n => Names(n, s.User));
            if (change.Count > 0 && !named) continue;
            if (change.Count == 0 && ModelledBy(s.User) is { } by)
            {
                leftOut.Add($"{s.User}: {Plural(s.Requests, "request")} from {Callers(s)}, modelled by {by}");
                continue;
            }
            workloads.Add(Workload(profile, s, names, apf));
        }
        var warnings = new List<string>();
        if (profile.UnprofiledRequests > 0)
            warnings.Add($"{Count(profile.UnprofiledRequests)} requests by identities past the first {profile.Limits.Identities:N0} were not profiled");
        if (profile.DroppedOpenRequests > 0)
            warnings.Add($"{Count(profile.DroppedOpenRequests)} requests without a final stage were dropped: more than {profile.Limits.OpenRequests:N0} were open at once");
        if (profile.Budget.Exhausted)
            warnings.Add($"more than {profile.Budget.Capacity:N0} distinct callers, IPs and nodes: later ones were not told apart, so caller counts are lower bounds");
        foreach (var s in profile.Identities.Where(s => s.OverflowRequests > 0))
            warnings.Add($"{s.User}: {Count(s.OverflowRequests)} requests of shapes past the first {profile.Limits.CallsPerIdentity:N0} were not profiled");
        return new ProfileDocument(profile.Source, profile.Requests, profile.WindowSeconds, Time(profile.First), Time(profile.Last),
            workloads, workloads.Select(w => w.Notes).ToList(), leftOut, warnings);
    }

    private static string? Time(DateTimeOffset? t) => t?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Callers(IdentityStats s) => (s.Callers.Saturated ? "at least " : "") + Plural(Math.Max(1, s.Callers.Count), "caller");

    private static ProfiledWorkload Workload(AuditProfile profile, IdentityStats s, HashSet<string> names, ApfSource apf)
    {
        int callers = Math.Max(1, s.Callers.Count), atOnce = Math.Max(1, s.Callers.PeakConcurrent());
        var evidence = PerNodeEvidence(profile, s, atOnce);
        bool perNode = evidence.Count > 0;
        if (!perNode)
            evidence.Add($"replicas: {Plural(callers, "caller")} (told apart by {(s.HasPodNames ? "pod name, user.extra" : "source IP")})" +
                (atOnce < callers ? $", at most {atOnce} calling at once (each from its first request to its last)" : "") + "; no sign of one per node");
        string? sa = ServiceAccountOf(s.User);
        var identity = sa is not null ? new ProfiledIdentity(sa, null, null)
            : new ProfiledIdentity(null, s.User, s.Groups.Where(g => g != ApfDefaults.SystemAuthenticated).ToList() is { Count: > 0 } g ? g : null);
        string name = UniqueName(sa is not null ? sa[(sa.IndexOf('/') + 1)..] : s.User, names);

        // A call's period: the time its callers spent calling over its requests (pods replaced during the log count once each).
        double callingSeconds = s.Callers.CallingSeconds(profile.WindowSeconds);
        var shapes = s.Calls.Keys.ToList();
        shapes.Sort(AuditCall.Compare);
        var calls = new List<ProfiledCall>();
        var informers = new List<ProfiledInformer>();
        var notExpressed = new List<string>();
        var folded = new HashSet<AuditCall>();
        foreach (var watch in shapes.Where(c => c.Verb == "watch"))
        {
            if (watch.Resource.Contains('/') || watch.Scope == Scope.Object)
            {
                notExpressed.Add($"watch {watch.Resource}{(watch.Scope == Scope.Object ? " of one object" : "")}: {Count(s.Calls[watch].Requests)} requests");
                folded.Add(watch);
                continue;
            }
            // The LISTs that start and restart the informer: the same collection, no more often than its WATCHes.
            var lists = shapes.Where(c => c.Verb == "list" && SameCollection(c, watch) && s.Calls[c].Requests <= s.Calls[watch].Requests).ToList();
            var first = lists.OrderByDescending(c => s.Calls[c].Requests).ThenBy(c => c, Comparer<AuditCall>.Create(AuditCall.Compare)).FirstOrDefault();
            folded.Add(watch);
            folded.UnionWith(lists);
            long listed = lists.Sum(c => s.Calls[c].Requests);
            informers.Add(new ProfiledInformer(watch.Resource, watch.Scope, NamespaceOf(watch), SelectorOf(watch),
                lists.Count > 0 && first.ResourceVersion == "" ? "" : "0", lists.Count > 0 ? first.Limit : 0,
                $"{Count(s.Calls[watch].Requests)} WATCHes and {Count(listed)} LISTs{(lists.Count > 0 ? "" : " (none seen: resourceVersion \"0\", unpaginated)")}"));
        }
        foreach (var c in shapes)
        {
            if (folded.Contains(c)) continue;
            var stats = s.Calls[c];
            if (!c.Verb.All(char.IsAsciiLetterLower) || !Enum.TryParse<Verb>(c.Verb, ignoreCase: true, out var verb) || (c.Scope == Scope.Object && verb == Verb.List)
                || Cascade.ControlPlane.Subresources.Check(c.Resource, c.Verb) is not null)
            {
                notExpressed.Add($"{c.Verb} {c.Resource}: {Count(stats.Requests)} requests");
                continue;
            }
            double every = callingSeconds / stats.Requests;
            calls.Add(new ProfiledCall(verb, c.Resource, c.Scope, NamespaceOf(c), c.ResourceVersion, SelectorOf(c), c.Limit > 0 ? c.Limit : null,
                Period(every).ToString(), CallNote(c, stats, every)));
        }
        var notes = new ProfileNotes(name, s.User, s.Requests, callers, atOnce, s.Callers.Saturated, evidence, Classifications(s, apf),
            calls.Select(c => c.Note).ToList(), notExpressed);
        return new ProfiledWorkload(name, identity, perNode ? Placement.PerNode : Placement.Replicas, perNode ? null : atOnce,
            calls, informers.Count > 0 ? informers : null, notes);
    }

    private static bool SameCollection(AuditCall a, AuditCall b) =>
        a.ApiGroup == b.ApiGroup && a.Resource == b.Resource && a.Scope == b.Scope && a.Namespace == b.Namespace && a.Selector == b.Selector;

    private static string? NamespaceOf(AuditCall c) => c.Scope == Scope.Cluster ? null : c.Namespace;

    private static string? SelectorOf(AuditCall c) => c.Selector.Length > 0 ? c.Selector : null;

    /// <summary>A period rounded as a person would write it: whole seconds from 10 s, tenths from 1 s, else milliseconds.</summary>
    public static Duration Period(double seconds)
    {
        double rounded = seconds >= 10 ? Math.Round(seconds) : seconds >= 1 ? Math.Round(seconds, 1) : Math.Max(0.001, Math.Round(seconds, 3));
        return Duration.FromSeconds(rounded);
    }

    private static string CallNote(AuditCall c, CallStats stats, double every)
    {
        var note = $"{Plural(stats.Requests, "request")}: one every {every.ToString("0.###", CultureInfo.InvariantCulture)} s per caller";
        if (c.ResourceVersionMatch.Length > 0) note += $"; resourceVersionMatch {c.ResourceVersionMatch}";
        if (stats.Responses > 0)
            note += $"; response {Count(stats.ResponseBytes / stats.Responses)} bytes on average (responseObject as logged)";
        if (stats.ItemResponses > 0)
            note += $", {(stats.Items / (double)stats.ItemResponses).ToString("0.#", CultureInfo.InvariantCulture)} items";
        return note;
    }

    /// <summary>
    /// Why the identity runs one caller per node, if it does: a spec.nodeName selector that takes a value per caller
    /// calling at once; a per-node agent's user agent; or callers spread over at least half the nodes the kubelets
    /// show, never more at once than nodes — by user.extra's node name, or by source IPs that are nodes' (the
    /// kubelets'; a hostNetwork pod's) — so that a 2-replica Deployment on 2 nodes is not one.
    /// </summary>
    private static List<string> PerNodeEvidence(AuditProfile profile, IdentityStats s, int atOnce)
    {
        var evidence = new List<string>();
        if (s.SelectorNodes.Count >= 2 && 2 * s.SelectorNodes.Count >= atOnce)
            evidence.Add($"fieldSelector spec.nodeName takes {s.SelectorNodes.Count} values, with at most {Plural(atOnce, "caller")} at once");
        var agent = s.UserAgents.Keys.Select(ua => ua.Split('/')[0]).Where(p => PerNodeAgents.Contains(p, StringComparer.Ordinal)).Order(StringComparer.Ordinal).FirstOrDefault();
        if (agent is not null) evidence.Add($"user agent {agent}/..., a per-node agent");
        int nodes = profile.Identities.FirstOrDefault(i => i.User == AuditProfiler.Kubelets)?.Callers.Count ?? 0;
        bool Spread(int on) => on >= 2 && nodes > 0 && 2 * on >= nodes && atOnce <= on;
        if (s.HasPodNames && Spread(s.Nodes.Count))
            evidence.Add($"its pods ran on {s.Nodes.Count} of the {Plural(nodes, "node")} the kubelets show, at most {atOnce} at once (user.extra authentication.kubernetes.io/node-name)");
        if (Spread(s.SourceIps.Count) && s.SourceIps.CountIn(profile.NodeIps) == s.SourceIps.Count)
            evidence.Add($"its {s.SourceIps.Count} source IPs are all nodes' (the kubelets'): a hostNetwork pod per node");
        return evidence;
    }

    public static string Plural(long n, string noun) => $"{n.ToString("N0", CultureInfo.InvariantCulture)} {noun}{(n == 1 ? "" : "s")}";

    /// <summary>Which FlowSchema and priority level the APF configuration gives each of the identity's calls.</summary>
    private static List<string> Classifications(IdentityStats s, ApfSource source)
    {
        var apf = source.Configuration;
        var requests = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (c, stats) in s.Calls)
        {
            var digest = new RequestDigest(s.User, s.Groups, c.Verb, c.ApiGroup, c.Resource, c.Scope == Scope.Cluster ? null : c.Namespace, true, null);
            var k = apf.Classify(digest);
            string key = $"FlowSchema {apf.FlowSchemas[k.FlowSchema].Name} → priority level {apf.PriorityLevels[k.PriorityLevel].Name}";
            requests[key] = requests.GetValueOrDefault(key) + stats.Requests;
        }
        return requests.OrderByDescending(kv => kv.Value).Select(kv => $"APF ({source.Name}): {kv.Key} ({Plural(kv.Value, "request")})").ToList();
    }

    private static string UniqueName(string raw, HashSet<string> taken)
    {
        var chars = raw.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        string name = new string(chars).Trim('-');
        if (name.Length == 0) name = "workload";
        string unique = name;
        for (int i = 2; !taken.Add(unique); i++) unique = $"{name}-{i}";
        return unique;
    }
}

/// <summary>The APF objects a profile classifies calls by, and how its comments name them.</summary>
public sealed record ApfSource(string Name, ApfConfiguration Configuration)
{
    public static readonly ApfSource Suggested = new("Kubernetes' suggested configuration", ApfConfiguration.Default);

    /// <summary>`kubectl get flowschemas,prioritylevelconfigurations -o yaml`, over Kubernetes' suggested objects as the API server keeps them.</summary>
    public static ApfSource FromFile(string path) =>
        new(path, ApfConfiguration.From(ApfYaml.Parse(TextFile.ReadUtf8(path), path, keepDefaults: true), keepDefaults: true));
}
