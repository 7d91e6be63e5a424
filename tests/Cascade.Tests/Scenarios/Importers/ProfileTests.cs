using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Cascade.Cli;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Importers;
using Cascade.Scenarios.Schema;
using Cascade.Tests.Cli;
using static Cascade.Tests.Scenarios.Importers.AuditLines;
using Cascade.Results;

namespace Cascade.Tests.Scenarios.Importers;

/// <summary>`cascade profile`: an audit log of a staging cluster becomes workloads a scenario loads and runs.</summary>
[Collection("console")]
public class ProfileTests
{
    /// <summary>The profile's YAML under a 5,000-node cluster at 1.30 (as scenarios/list-storm.yaml), ten simulated minutes.</summary>
    private static Scenario Production(string workloadsYaml, params string[] overrides) => YamlBinder.Load<Scenario>(
        "apiVersion: cascade/v1\nkind: Scenario\nmetadata: {name: profiled}\nduration: 10m\n" +
        "cluster: {name: prod, nodes: 5000, kubernetesVersion: \"1.30\"}\n" + workloadsYaml,
        "profiled.yaml", overrides, ScenarioLoader.ApiVersion, ScenarioLoader.Kind);

    private static string Profile(params string[] args)
    {
        var (code, stdout, err) = CliTests.Run(["profile", .. args, "-q"]);
        Assert.True(code == 0, err);
        return stdout;
    }

    [Fact]
    public void A_staging_daemonset_listing_pods_every_minute_saturates_a_5000_node_cluster_and_with_resourceVersion_0_does_not()
    {
        using var files = new TempFiles("cascade-import-");
        var fromEtcd = files.WriteLines(PerNodeAgent(nodes: 50, minutes: 10, resourceVersion: ""));
        var fromCache = files.WriteLines(PerNodeAgent(nodes: 50, minutes: 10, resourceVersion: "0"));
        string etcdYaml = Profile(fromEtcd), cacheYaml = Profile(fromCache);
        Assert.Contains("placement: perNode", etcdYaml);
        Assert.Contains("every: 1m\n", etcdYaml);
        Assert.Contains("resourceVersion: \"\"", etcdYaml);
        Assert.Contains("resourceVersion: \"0\"", cacheYaml);
        Assert.Equal(etcdYaml.Replace(fromEtcd, "LOG").Replace("resourceVersion: \"\"", "resourceVersion: \"0\""), cacheYaml.Replace(fromCache, "LOG"));

        var saturated = ScenarioRunner.Run(Production(etcdYaml), 1).Result.Clusters[0].Apiserver;
        Assert.NotNull(saturated.SaturatedAtSeconds);
        var healthy = ScenarioRunner.Run(Production(cacheYaml), 1).Result.Clusters[0].Apiserver;
        Assert.Null(healthy.SaturatedAtSeconds);
    }

    [Fact]
    public void The_example_log_gives_a_per_node_agent_with_its_evidence_a_two_replica_deployment_and_leaves_the_kubelets_out()
    {
        string yaml = Profile(RunCommandTests.Repo("examples", "staging-audit.log.gz"));
        var s = Production(yaml);
        var agent = s.Workloads.Single(w => w.Name == "telemetry-agent");
        Assert.Equal(Placement.PerNode, agent.Placement);
        Assert.Equal("monitoring/telemetry-agent", agent.Identity.ServiceAccount);
        var list = Assert.Single(agent.Calls);
        Assert.Equal((Verb.List, "pods", Scope.Cluster, "", "spec.nodeName=$(NODE_NAME)", 60.0),
            (list.Verb, list.Resource, list.Scope, list.ResourceVersion, list.Selector, list.Every.Seconds));
        Assert.Contains("fieldSelector spec.nodeName takes 50 values, with at most 50 callers at once", yaml);
        Assert.Contains("its 50 source IPs are all nodes'", yaml);
        Assert.Contains("FlowSchema service-accounts → priority level workload-low", yaml);
        Assert.Contains("30 items", yaml);

        var certManager = s.Workloads.Single(w => w.Name == "cert-manager");
        Assert.Equal((Placement.Replicas, 2), (certManager.Placement, certManager.Replicas));
        Assert.Equal(["certificates", "secrets"], certManager.Informers.Select(i => i.Resource));
        Assert.DoesNotContain(s.Workloads, w => w.Identity.User is { } u && u.StartsWith("system:", StringComparison.Ordinal));
        Assert.Contains("system:node:*: 3,100 requests from 50 callers, modelled by the kubelets", yaml);
    }

    [Fact]
    public void A_daemonset_rolled_during_the_log_is_still_one_pod_per_node_calling_at_its_period()
    {
        var doc = ProfiledWorkloads.From(AuditProfiler.Profile(Stream(PerNodeAgent(nodes: 50, minutes: 20, resourceVersion: "", generations: 4)), "t.log"), []);
        var agent = Assert.Single(doc.Workloads);
        Assert.Equal((Placement.PerNode, "1m"), (agent.Placement, Assert.Single(agent.Calls).Every));
        Assert.Equal((200, 50), (agent.Notes.Callers, agent.Notes.CallersAtOnce));
    }

    [Fact]
    public void Change_restricts_the_profile_to_the_named_identities_and_an_unknown_one_is_bad_input()
    {
        string yaml = Profile(RunCommandTests.Repo("examples", "staging-audit.log.gz"), "--change", "monitoring/telemetry-agent");
        Assert.Equal(["telemetry-agent"], Production(yaml).Workloads.Select(w => w.Name));
        var (code, _, err) = CliTests.Run("profile", RunCommandTests.Repo("examples", "staging-audit.log.gz"), "--change", "nobody");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--change: no requests by 'nobody'", err);
    }

    [Fact]
    public void Yaml_output_is_for_the_importers_only()
    {
        var (code, _, err) = CliTests.Run("run", RunCommandTests.Repo("scenarios", "list-storm.yaml"), "-o", "yaml");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal("cascade: error: -o yaml is for profile and inventory; use table or json", err.Trim());
        Assert.Equal(Profile(RunCommandTests.Repo("examples", "staging-audit.log.gz")), Profile(RunCommandTests.Repo("examples", "staging-audit.log.gz"), "-o", "yaml"));
    }

    [Fact]
    public void Each_request_counts_once_at_its_last_stage_whatever_stages_the_log_shows()
    {
        const string sa = "system:serviceaccount:apps:reader";
        var lines = new[]
        {
            Event("a", 0, sa, "get", "/api/v1/namespaces/apps/configmaps/x", "configmaps", "RequestReceived", ns: "apps", name: "x"),
            Event("b", 1, sa, "get", "/api/v1/namespaces/apps/configmaps/x", "configmaps", "RequestReceived", ns: "apps", name: "x"),
            Event("a", 2, sa, "get", "/api/v1/namespaces/apps/configmaps/x", "configmaps", "ResponseComplete", ns: "apps", name: "x"),
            Event("c", 3, sa, "watch", "/api/v1/namespaces/apps/configmaps?watch=true", "configmaps", "RequestReceived", ns: "apps"),
            Event("c", 3, sa, "watch", "/api/v1/namespaces/apps/configmaps?watch=true", "configmaps", "ResponseStarted", ns: "apps"),
            Event("d", 4, sa, "get", "/api/v1/namespaces/apps/configmaps/x", "configmaps", ns: "apps", name: "x"),
        };
        var p = AuditProfiler.Profile(Stream(lines), "t.log");
        Assert.Equal(4, p.Requests); // a, b (never completed), c (a watch still open), d
        var reader = Assert.Single(p.Identities);
        Assert.Equal([3L, 1L], reader.Calls.OrderBy(c => c.Key.Verb, StringComparer.Ordinal).Select(c => c.Value.Requests));
    }

    [Fact]
    public void Malformed_lines_are_skipped_counted_and_reported_by_line_number()
    {
        var good = PerNodeAgent(nodes: 3, minutes: 1, resourceVersion: "").ToList();
        var lines = new List<string>(good);
        lines.Insert(1, "{\"kind\":\"Event\",");
        lines.Insert(3, "not json");
        lines.Insert(4, "{\"kind\":\"Status\",\"apiVersion\":\"v1\"}");
        for (int i = 0; i < 5; i++) lines.Add("garbage " + i);
        using var files = new TempFiles("cascade-import-");
        var path = files.WriteLines(lines);
        var (code, stdout, err) = CliTests.Run("profile", path, "-q");
        Assert.Equal(0, code);
        var warnings = err.Trim().Split('\n');
        Assert.StartsWith($"cascade: warning: {path}:2:", warnings[0]);
        Assert.StartsWith($"cascade: warning: {path}:4:", warnings[1]);
        Assert.Contains("skipped: not JSON", warnings[1]);
        Assert.Equal($"cascade: warning: {path}:5: skipped: not an audit Event (kind 'Status')", warnings[2]);
        Assert.Equal($"cascade: warning: {path}: 8 malformed lines skipped in all ({AuditProfiler.MalformedKept} shown)", warnings[^1]);
        Assert.Equal(AuditProfiler.MalformedKept + 1, warnings.Length);
        Assert.Contains("name: telemetry-agent", stdout);
    }

    [Fact]
    public void A_log_with_nothing_usable_is_bad_input_naming_its_first_bad_line()
    {
        using var files = new TempFiles("cascade-import-");
        var path = files.WriteLines(["", "{\"kind\":\"Status\"}", "{\"kind\": Event}"]);
        var empty = files.WriteLines([]);
        var (code, stdout, err) = CliTests.Run("profile", path);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Empty(stdout);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith($"cascade: error: {path}:2: no audit Events in 3 lines (2 malformed); the first: not an audit Event", err);
        var (code2, _, err2) = CliTests.Run("profile", empty);
        Assert.Equal(ExitCodes.BadInput, code2);
        Assert.Equal($"cascade: error: {empty}:1: no audit Events: the log is empty", err2.Trim());
    }

    [Fact]
    public void A_gzipped_log_is_read_as_the_plain_one_whatever_its_name()
    {
        var lines = PerNodeAgent(nodes: 5, minutes: 3, resourceVersion: "").ToList();
        using var files = new TempFiles("cascade-import-");
        var plain = files.WriteLines(lines);
        var gzipped = files.Path(".log");
        using (var gz = new GZipStream(File.Create(gzipped), CompressionLevel.Fastest))
            gz.Write(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));
        string a = Profile(plain, "-o", "json"), b = Profile(gzipped, "-o", "json");
        Assert.Equal(a.Replace(plain, "LOG"), b.Replace(gzipped, "LOG"));
        using var doc = JsonDocument.Parse(b);
        Assert.Equal(5 * 3 + 5 * 18, doc.RootElement.GetProperty("requests").GetInt64());
        Assert.Equal("perNode", doc.RootElement.GetProperty("workloads")[0].GetProperty("placement").GetString());
        // JSON is YAML: the document's workloads paste into a scenario as they are.
        var agent = Assert.Single(Production("workloads: " + doc.RootElement.GetProperty("workloads").GetRawText() + "\n").Workloads);
        Assert.Equal((Placement.PerNode, "spec.nodeName=$(NODE_NAME)"), (agent.Placement, Assert.Single(agent.Calls).Selector));
    }

    [Fact]
    public void The_profile_does_not_depend_on_the_order_of_the_lines()
    {
        var lines = PerNodeAgent(nodes: 20, minutes: 2, resourceVersion: "").ToList();
        var rng = new Random(7);
        var shuffled = lines.OrderBy(_ => rng.Next()).ToList();
        Assert.NotEqual(lines, shuffled);
        string Yaml(List<string> l) => ProfileYaml.Write(ProfiledWorkloads.From(AuditProfiler.Profile(Stream(l), "t.log"), []));
        Assert.Equal(Yaml(lines), Yaml(shuffled));
    }

    [Fact]
    public void Profiling_a_log_of_many_callers_identities_and_open_requests_keeps_within_its_bounds() =>
        ProfilesWithinBounds(200_000, new AuditProfileLimits(Identities: 50, CallsPerIdentity: 10, DistinctValues: 5_000, OpenRequests: 1_000));

    /// <summary>The same bounds, small: a log of 5,000 requests past every one of them (fast enough for mutation testing).</summary>
    [Fact]
    public void A_small_log_past_every_bound_still_counts_every_request_once() =>
        ProfilesWithinBounds(5_000, new AuditProfileLimits(Identities: 5, CallsPerIdentity: 3, DistinctValues: 20, OpenRequests: 20));

    private static void ProfilesWithinBounds(long requests, AuditProfileLimits limits)
    {
        var p = AuditProfiler.Profile(new GeneratedLog(requests), "big.log", limits);
        Assert.Equal(requests, p.Events);
        Assert.Equal(limits.Identities, p.Identities.Count);
        Assert.All(p.Identities, s => Assert.True(s.Calls.Count <= limits.CallsPerIdentity));
        Assert.Contains(p.Identities, s => s.Calls.Count == limits.CallsPerIdentity && s.OverflowRequests > 0);
        Assert.True(p.Budget.Used <= limits.DistinctValues, $"{p.Budget.Used} distinct values kept");
        Assert.Contains(p.Identities, s => s.Callers.Saturated);
        Assert.True(p.UnprofiledRequests > 0);
        // Every request is counted, unprofiled or dropped: nothing vanishes past a bound.
        long inCalls = p.Identities.Sum(s => s.Calls.Values.Sum(c => c.Requests) + s.OverflowRequests + s.NonResourceRequests);
        Assert.Equal(p.Requests, inCalls + p.UnprofiledRequests);
        Assert.Equal(requests, p.Requests + p.DroppedOpenRequests);
        // One request in ten never completes: all but the last OpenRequests of them are dropped as the bound is reached.
        Assert.Equal(requests / 10 - limits.OpenRequests, p.DroppedOpenRequests);
        var doc = ProfiledWorkloads.From(p, []);
        Assert.Contains(doc.Warnings, w => w.Contains("lower bounds"));
        Assert.Contains(doc.Warnings, w => w.Contains("were dropped"));
    }

    [Theory]
    [InlineData("system:nodes", "the kubelets (cluster.kubelets)")]
    [InlineData("system:kube-controller-manager", "cluster.controllers")]
    [InlineData("system:kube-scheduler", "cluster.controllers")]
    [InlineData("system:kube-proxy", "kube-proxy (the data plane)")]
    [InlineData("system:apiserver", "the API server itself")]
    [InlineData("system:serviceaccount:kube-system:coredns", "kube-system's controllers and add-ons (cluster.controllers, cluster.dns)")]
    [InlineData("system:serviceaccount:monitoring:agent", null)]
    [InlineData("system:serviceaccount:kube-systemx:a", null)]
    [InlineData("alice", null)]
    public void Callers_the_model_already_has_are_named_with_what_models_them(string user, string? modelledBy)
    {
        if (user == "system:nodes") user = AuditProfiler.Kubelets;
        Assert.Equal(modelledBy, ProfiledWorkloads.ModelledBy(user));
    }

    /// <summary>
    /// A log made as it is read, never held: request i is by one of 1,000 identities, from one of 200,000 pods, of one of
    /// 50 shapes; one request in ten logs only its RequestReceived stage, as if it never completed.
    /// </summary>
    private sealed class GeneratedLog(long requests) : Stream
    {
        private long _next;
        private byte[] _pending = [];
        private int _offset;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_offset == _pending.Length)
            {
                if (_next == requests) return 0;
                long i = _next++;
                string stage = i % 10 == 0 ? "RequestReceived" : "ResponseComplete";
                _pending = Encoding.UTF8.GetBytes(Event($"id-{i}", i * 0.01, $"system:serviceaccount:ns-{i % 1000}:sa", "get",
                    $"/api/v1/namespaces/ns/configmaps/c?limit={i / 1000 % 50}", "configmaps", stage, ns: "ns", name: "c", pod: $"pod-{i % 200_000}") + "\n");
                _offset = 0;
            }
            int n = Math.Min(count, _pending.Length - _offset);
            Array.Copy(_pending, _offset, buffer, offset, n);
            _offset += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
