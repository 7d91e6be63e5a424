using System.Globalization;
using Cascade.Scenarios.Schema;

namespace Cascade.Scenarios.Importers;

/// <summary>The `workloads:` section of a scenario, with the profile's evidence in comments (`cascade profile`'s default output).</summary>
public static class ProfileYaml
{
    public static string Write(ProfileDocument d)
    {
        var y = new YamlWriter();
        y.Comment(0, $"cascade profile {d.Source}: {d.Requests.ToString("N0", CultureInfo.InvariantCulture)} requests, each counted once " +
            $"(at ResponseComplete, or the last stage the log shows),\nfrom {d.From ?? "?"} to {d.To ?? "?"} ({d.WindowSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s). " +
            "A call's `every` is the time its identity's callers spent calling\n(each from its first request to its last) over the call's requests.");
        if (d.LeftOut.Count > 0)
        {
            y.Comment(0, "Left out, the cluster model has them (name one with --change to profile it):");
            foreach (var l in d.LeftOut) y.Comment(0, "  " + l);
        }
        foreach (var w in d.Warnings) y.Comment(0, "Warning: " + w);
        if (d.Workloads.Count == 0)
        {
            y.Raw(0, "workloads", "[]");
            return y.ToString();
        }
        y.Open(0, "workloads");
        foreach (var w in d.Workloads) Workload(y, w);
        return y.ToString();
    }

    private static void Workload(YamlWriter y, ProfiledWorkload w)
    {
        var n = w.Notes;
        y.Comment(2, $"{n.User}: {ProfiledWorkloads.Plural(n.Requests, "request")} from {(n.CallersAtLeast ? "at least " : "")}{ProfiledWorkloads.Plural(n.Callers, "caller")}, at most {n.CallersAtOnce} at once");
        y.Comment(2, (w.Placement == Placement.PerNode ? "perNode, because: " : "") + string.Join("; ", n.Placement));
        foreach (var a in n.Apf) y.Comment(2, a);
        foreach (var x in n.NotExpressed) y.Comment(2, "Not expressible as a call, left out: " + x);
        y.Field(4, "name", w.Name, item: true);
        y.Open(4, "identity");
        if (w.Identity.ServiceAccount is { } sa) y.Field(6, "serviceAccount", sa);
        if (w.Identity.User is { } user) y.Field(6, "user", user);
        if (w.Identity.Groups is { } groups) y.List(6, "groups", groups);
        y.Raw(4, "placement", w.Placement == Placement.PerNode ? "perNode" : "replicas");
        if (w.Replicas is { } r) y.Field(4, "replicas", r);
        if (w.Calls.Count == 0) y.Raw(4, "calls", "[]");
        else y.Open(4, "calls");
        foreach (var c in w.Calls)
        {
            y.Comment(6, c.Note);
            y.Raw(8, "verb", c.Verb.ToString().ToLowerInvariant(), item: true);
            y.Field(8, "resource", c.Resource);
            y.Raw(8, "scope", c.Scope.ToString().ToLowerInvariant());
            if (c.Namespace is { } ns) y.Field(8, "namespace", ns);
            y.Raw(8, "resourceVersion", $"\"{c.ResourceVersion}\"");
            if (c.Selector is { } sel) y.Field(8, "selector", sel);
            if (c.Limit is { } limit) y.Field(8, "limit", limit);
            y.Raw(8, "every", c.Every);
        }
        if (w.Informers is not { } informers) return;
        y.Open(4, "informers");
        foreach (var i in informers)
        {
            y.Comment(6, i.Note);
            y.Field(8, "resource", i.Resource, item: true);
            y.Raw(8, "scope", i.Scope.ToString().ToLowerInvariant());
            if (i.Namespace is { } ns) y.Field(8, "namespace", ns);
            if (i.Selector is { } sel) y.Field(8, "selector", sel);
            y.Raw(8, "resourceVersion", $"\"{i.ResourceVersion}\"");
            y.Field(8, "pageSize", i.PageSize);
        }
    }
}
