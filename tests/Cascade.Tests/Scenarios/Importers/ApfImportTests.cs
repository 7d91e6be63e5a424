using Cascade.Cli;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Importers;
using Cascade.Scenarios.Schema;
using Cascade.Tests.Cli;

namespace Cascade.Tests.Scenarios.Importers;

/// <summary>The clusters' own APF objects (`kubectl get flowschemas,prioritylevelconfigurations -o yaml`), given to profile and inventory with --apf.</summary>
[Collection("console")]
public class ApfImportTests
{
    private const string Telemetry = """
        apiVersion: v1
        kind: List
        items:
          - apiVersion: flowcontrol.apiserver.k8s.io/v1
            kind: PriorityLevelConfiguration
            metadata: {name: telemetry}
            spec:
              type: Limited
              limited:
                nominalConcurrencyShares: 5
                limitResponse: {type: Queue, queuing: {queues: 16, handSize: 4, queueLengthLimit: 50}}
          - apiVersion: flowcontrol.apiserver.k8s.io/v1
            kind: FlowSchema
            metadata: {name: telemetry}
            spec:
              priorityLevelConfiguration: {name: telemetry}
              matchingPrecedence: 1000
              distinguisherMethod: {type: ByUser}
              rules:
                - subjects: [{kind: ServiceAccount, serviceAccount: {namespace: monitoring, name: telemetry-agent}}]
                  resourceRules: [{verbs: ["*"], apiGroups: ["*"], resources: ["*"], clusterScope: true, namespaces: ["*"]}]
        """;

    [Fact]
    public void A_profile_classifies_calls_by_the_clusters_own_flow_schemas()
    {
        using var files = new TempFiles("cascade-import-");
        var apf = files.Write(Telemetry, ".yaml");
        var log = RunCommandTests.Repo("examples", "staging-audit.log.gz");
        var (code, yaml, err) = CliTests.Run("profile", log, "--apf", apf, "-q");
        Assert.True(code == 0, err);
        Assert.Contains($"# APF ({apf}): FlowSchema telemetry → priority level telemetry (500 requests)", yaml);
        Assert.Contains("# APF (Kubernetes' suggested configuration): FlowSchema service-accounts → priority level workload-low (500 requests)", CliTests.Run("profile", log, "-q").Out);
    }

    [Fact]
    public void An_inventory_names_the_checked_apf_file_as_each_clusters_and_a_broken_one_is_located()
    {
        using var files = new TempFiles("cascade-import-");
        var apf = files.Write(Telemetry, ".yaml");
        var (code, yaml, err) = CliTests.Run("inventory", RunCommandTests.Repo("examples", "staging-dump.json"), "--apf", apf, "-q");
        Assert.True(code == 0, err);
        var s = YamlBinder.Load<Scenario>("apiVersion: cascade/v1\nkind: Scenario\n" + yaml, "s.yaml", null, "cascade/v1", "Scenario", Path.GetTempPath());
        Assert.Equal(apf, Assert.Single(s.Clusters).ApiServer.Apf.File);

        var broken = files.Write(Telemetry.Replace("handSize", "handsize"), ".yaml");
        var (code2, _, err2) = CliTests.Run("inventory", RunCommandTests.Repo("examples", "staging-dump.json"), "--apf", broken);
        Assert.Equal(ExitCodes.BadInput, code2);
        Assert.Single(err2.Trim().Split('\n'));
        Assert.StartsWith($"cascade: error: {broken}:11:", err2);
    }
}
