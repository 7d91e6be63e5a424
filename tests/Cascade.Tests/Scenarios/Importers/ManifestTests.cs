using Cascade.Scenarios;
using Cascade.Scenarios.Importers;
using Cascade.Scenarios.Schema;

namespace Cascade.Tests.Scenarios.Importers;

/// <summary>A workload given as the manifest a team ships (`manifest:`), with its calls inline or from `cascade profile` (`profile:`).</summary>
public class ManifestTests
{
    private const string DaemonSet = """
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: telemetry-agent, namespace: monitoring}
        ---
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: telemetry-agent, namespace: monitoring}
        spec:
          template:
            spec:
              serviceAccountName: telemetry-agent
              containers:
                - {name: agent, resources: {requests: {cpu: 50m, memory: 64Mi}}}
                - {name: sidecar, resources: {requests: {cpu: 10m, memory: 16Mi}}}
        """;

    private const string Deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 7
          template:
            spec:
              containers: [{name: web}]
        """;

    private static Scenario Load(TempFiles files, string workloads, params (string Name, string Text)[] beside)
    {
        var dir = Directory.CreateDirectory(files.Path("")).FullName;
        foreach (var (name, text) in beside) File.WriteAllText(Path.Combine(dir, name), text);
        var scenario = Path.Combine(dir, "s.yaml");
        File.WriteAllText(scenario, "apiVersion: cascade/v1\nkind: Scenario\ncluster: {nodes: 50}\nworkloads:\n" + workloads);
        return ScenarioLoader.LoadFile(scenario);
    }

    private static string ProfileOf(IEnumerable<string> lines) =>
        ProfileYaml.Write(ProfiledWorkloads.From(AuditProfiler.Profile(AuditLines.Stream(lines), "staging.log"), []));

    [Fact]
    public void A_daemonset_manifest_with_its_profile_is_a_per_node_workload_of_its_service_account_with_the_profiled_calls()
    {
        using var files = new TempFiles("cascade-import-");
        var s = Load(files, "  - {name: agent, manifest: ds.yaml, profile: profile.yaml}\n",
            ("ds.yaml", DaemonSet), ("profile.yaml", ProfileOf(AuditLines.PerNodeAgent(nodes: 10, minutes: 5, resourceVersion: ""))));
        var w = Assert.Single(s.Workloads);
        Assert.Equal(("monitoring/telemetry-agent", Placement.PerNode), (w.Identity.ServiceAccount, w.Placement));
        Assert.Equal(0.06, w.Resources.Cpu, 9);
        Assert.Equal(80.0 * (1 << 20), w.Resources.Memory.Value);
        var call = Assert.Single(w.Calls);
        Assert.Equal((Verb.List, "pods", "spec.nodeName=$(NODE_NAME)", 60.0), (call.Verb, call.Resource, call.Selector, call.Every.Seconds));
    }

    [Fact]
    public void A_deployment_manifest_gives_its_replicas_and_the_namespace_default_service_account_with_inline_calls()
    {
        using var files = new TempFiles("cascade-import-");
        var s = Load(files, "  - name: web\n    manifest: web.yaml\n    calls: [{verb: get, resource: configmaps, scope: object, every: 30s}]\n", ("web.yaml", Deployment));
        var w = Assert.Single(s.Workloads);
        Assert.Equal(("default/default", Placement.Replicas, 7), (w.Identity.ServiceAccount, w.Placement, w.Replicas));
        Assert.Equal("configmaps", Assert.Single(w.Calls).Resource);
    }

    [Fact]
    public void What_a_manifest_or_profile_gives_cannot_be_written_beside_it_and_a_mismatch_is_located()
    {
        using var files = new TempFiles("cascade-import-");
        var both = Assert.Throws<InputException>(() => Load(files, "  - name: web\n    manifest: web.yaml\n    placement: perNode\n", ("web.yaml", Deployment)));
        Assert.Equal((7, "workloads[0].placement"), (both.Line, both.Field));
        Assert.Contains("comes from the manifest 'web.yaml'", both.Message);

        var two = Assert.Throws<InputException>(() => Load(files, "  - {name: x, manifest: two.yaml}\n", ("two.yaml", DaemonSet + "\n---\n" + Deployment)));
        Assert.EndsWith("two.yaml", two.File);
        Assert.Equal(16, two.Line);
        Assert.Contains("2 workloads in the manifest (DaemonSet telemetry-agent, Deployment web)", two.Message);

        var other = Assert.Throws<InputException>(() => Load(files, "  - {name: web, manifest: web.yaml, profile: profile.yaml}\n",
            ("web.yaml", Deployment), ("profile.yaml", ProfileOf(AuditLines.PerNodeAgent(nodes: 3, minutes: 2, resourceVersion: "")))));
        Assert.Equal("workloads[0].profile", other.Field);
        Assert.Contains("no workloads of serviceAccount default/default in the profile (it has: serviceAccount monitoring/telemetry-agent)", other.Message);
    }

    private static WorkloadManifest Read(TempFiles files, string text)
    {
        var path = files.Write(text, ".yaml");
        return WorkloadManifest.Read(path);
    }

    [Fact]
    public void A_manifest_is_read_for_whom_its_pods_run_as_where_and_what_they_request()
    {
        using var files = new TempFiles("cascade-import-");
        var ds = Read(files, DaemonSet);
        Assert.Equal(new WorkloadManifest("DaemonSet", "telemetry-agent", "monitoring", "telemetry-agent", null, ds.CpuCores, ds.MemoryBytes), ds);
        Assert.Equal(0.06, ds.CpuCores!.Value, 9);
        Assert.Equal(80.0 * (1 << 20), ds.MemoryBytes);
        // A StatefulSet in a List, with the older serviceAccount field, no replicas (1) and no requests.
        var sts = Read(files, """
            apiVersion: v1
            kind: List
            items:
              - {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}
              - apiVersion: apps/v1
                kind: StatefulSet
                metadata: {name: db, namespace: data}
                spec:
                  template:
                    spec:
                      serviceAccount: db-sa
                      containers: [{name: db}, {name: sidecar, resources: {requests: {memory: 1Gi}}}]
            """);
        Assert.Equal(new WorkloadManifest("StatefulSet", "db", "data", "db-sa", 1, null, 1024.0 * 1024 * 1024), sts);
        var bare = Read(files, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec: {replicas: 0}\n");
        Assert.Equal(new WorkloadManifest("Deployment", "w", "default", "default", 0, null, null), bare);
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", "no DaemonSet, Deployment or StatefulSet in the manifest", 1, 1)]
    [InlineData("kind: Deployment\nspec:\n  replicas: three\n", "spec.replicas: expected a whole number, got 'three'", 3, 13)]
    [InlineData("kind: Deployment\nspec:\n  replicas: -2\n", "spec.replicas: expected a whole number, got '-2'", 3, 13)]
    [InlineData("kind: DaemonSet\nspec:\n  template:\n    spec:\n      containers:\n        - resources: {requests: {cpu: lots}}\n", "resources.requests.cpu: ", 6, 39)]
    [InlineData("kind: Deployment\nspec: [unclosed\n", "", 3, 1)]
    public void A_manifest_fault_is_located(string text, string message, int line, int column)
    {
        using var files = new TempFiles("cascade-import-");
        var e = Assert.Throws<InputException>(() => Read(files, text));
        Assert.StartsWith(message, e.Message);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.EndsWith(".yaml", e.File);
    }
}
