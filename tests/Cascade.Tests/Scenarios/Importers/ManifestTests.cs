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
        using var files = new TempFiles();
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
        using var files = new TempFiles();
        var s = Load(files, "  - name: web\n    manifest: web.yaml\n    calls: [{verb: get, resource: configmaps, scope: object, every: 30s}]\n", ("web.yaml", Deployment));
        var w = Assert.Single(s.Workloads);
        Assert.Equal(("default/default", Placement.Replicas, 7), (w.Identity.ServiceAccount, w.Placement, w.Replicas));
        Assert.Equal("configmaps", Assert.Single(w.Calls).Resource);
    }

    [Fact]
    public void What_a_manifest_or_profile_gives_cannot_be_written_beside_it_and_a_mismatch_is_located()
    {
        using var files = new TempFiles();
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
}
