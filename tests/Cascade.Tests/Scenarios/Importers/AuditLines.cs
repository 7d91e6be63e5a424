using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cascade.Tests.Scenarios.Importers;

/// <summary>audit.k8s.io/v1 Event lines built in code, as kube-apiserver's log backend writes them.</summary>
internal static class AuditLines
{
    public static readonly DateTime Start = new(2024, 12, 11, 14, 0, 0, DateTimeKind.Utc);

    public static string Event(string auditId, double seconds, string user, string verb, string uri, string? resource,
        string stage = "ResponseComplete", string? ns = null, string? name = null, string ip = "10.0.0.1", string[]? groups = null,
        string? pod = null, string? node = null, string userAgent = "test/v1")
    {
        var e = new Dictionary<string, object?>
        {
            ["kind"] = "Event",
            ["apiVersion"] = "audit.k8s.io/v1",
            ["level"] = "Metadata",
            ["auditID"] = auditId,
            ["stage"] = stage,
            ["requestURI"] = uri,
            ["verb"] = verb,
        };
        var u = new Dictionary<string, object?> { ["username"] = user, ["groups"] = groups ?? GroupsOf(user) };
        var extra = new Dictionary<string, string[]>();
        if (pod is not null) extra["authentication.kubernetes.io/pod-name"] = [pod];
        if (node is not null) extra["authentication.kubernetes.io/node-name"] = [node];
        if (extra.Count > 0) u["extra"] = extra;
        e["user"] = u;
        e["sourceIPs"] = new[] { ip };
        e["userAgent"] = userAgent;
        if (resource is not null)
        {
            var o = new Dictionary<string, string> { ["resource"] = resource, ["apiVersion"] = "v1" };
            if (ns is not null) o["namespace"] = ns;
            if (name is not null) o["name"] = name;
            e["objectRef"] = o;
        }
        e["requestReceivedTimestamp"] = Start.AddSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        return JsonSerializer.Serialize(e);
    }

    private static string[] GroupsOf(string user)
    {
        var parts = user.Split(':');
        return user.StartsWith("system:serviceaccount:", StringComparison.Ordinal)
            ? ["system:serviceaccounts", "system:serviceaccounts:" + parts[2], "system:authenticated"]
            : ["system:authenticated"];
    }

    /// <summary>An agent on each of <paramref name="nodes"/> nodes LISTing pods cluster-wide every 60 s for <paramref name="minutes"/>, with the kubelets' leases.</summary>
    /// <remarks>With <paramref name="generations"/> above 1 the DaemonSet is rolled that many times over: each node's pod is replaced by one of a new name.</remarks>
    public static IEnumerable<string> PerNodeAgent(int nodes, int minutes, string resourceVersion, int generations = 1)
    {
        var lines = new List<(double T, string Line)>();
        for (int n = 0; n < nodes; n++)
        {
            string node = $"node-{n}", ip = $"10.0.0.{n + 10}";
            for (double t = n % 10; t < minutes * 60; t += 10)
                lines.Add((t, Event($"lease-{n}-{t}", t, "system:node:" + node, "update", $"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{node}",
                    "leases", ns: "kube-node-lease", name: node, ip: ip, groups: ["system:nodes", "system:authenticated"])));
            for (double t = n * 60.0 / nodes; t < minutes * 60; t += 60)
                lines.Add((t, Event($"list-{n}-{t}", t, "system:serviceaccount:monitoring:telemetry-agent", "list",
                    $"/api/v1/pods?fieldSelector=spec.nodeName%3D{node}&resourceVersion={resourceVersion}", "pods", ip: ip,
                    pod: $"agent-{n}-{(int)(t / (minutes * 60.0 / generations))}", node: node)));
        }
        return lines.OrderBy(l => l.T).ThenBy(l => l.Line, StringComparer.Ordinal).Select(l => l.Line);
    }

    public static MemoryStream Stream(IEnumerable<string> lines) => new(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));
}
