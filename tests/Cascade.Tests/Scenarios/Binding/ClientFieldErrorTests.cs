using Cascade.Cli;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;
using Cascade.Tests.Cli;

namespace Cascade.Tests.Scenarios.Binding;

/// <summary>The new client and control-plane fields reject bad values where they stand (file:line:column, field path).</summary>
[Collection("console")]
public class ClientFieldErrorTests : IDisposable
{
    private readonly TempFiles _temp = new("bad-phase-");

    public void Dispose() => _temp.Dispose();

    private const string Header = "apiVersion: cascade/v1\nkind: Scenario\n";

    private static InputException Error(string yaml) =>
        Assert.Throws<InputException>(() => YamlBinder.Load<Scenario>(Header + yaml, "s.yaml", null, ScenarioLoader.ApiVersion, ScenarioLoader.Kind));

    [Theory]
    [InlineData("cluster: {apiServer: {goawayChance: 0.5}}", 3, "cluster.apiServer.goawayChance", "must be between 0 and 0.02, got 0.5")]
    [InlineData("workloads: [{name: a, calls: [{phase: sideways}]}]", 3, "workloads[0].calls[0].phase", "sideways")]
    [InlineData("workloads: [{name: a, calls: [{every: 5s, at: 1m}]}]", 3, "workloads[0].calls[0].at", "'every' and 'at' cannot both be set")]
    [InlineData("workloads: [{name: a, calls: [{verb: get, resource: pods/logs}]}]", 3, "workloads[0].calls[0].resource", "unknown subresource 'pods/logs'")]
    [InlineData("workloads: [{name: a, calls: [{verb: delete, resource: pods/eviction}]}]", 3, "workloads[0].calls[0].resource", "pods/eviction takes create, not delete")]
    [InlineData("workloads: [{name: a, informers: [{resourceVersion: '5'}]}]", 3, "workloads[0].informers[0].resourceVersion", "must be \"0\"")]
    [InlineData("workloads: [{name: a, informers: [{pageSize: -1}]}]", 3, "workloads[0].informers[0].pageSize", "must be between 0")]
    [InlineData("workloads: [{name: a, service: {endpointChangeEvery: 1m}}]", 3, "workloads[0].service.name", "missing required field 'name'")]
    public void A_bad_value_is_reported_at_its_field(string yaml, int line, string field, string message)
    {
        var e = Error(yaml);
        Assert.Equal((line, field), (e.Line, e.Field));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_bad_phase_in_a_scenario_file_is_a_located_error_with_exit_code_2()
    {
        var file = _temp.Write(Header + "workloads:\n  - name: a\n    calls:\n      - phase: sideways\n", ".yaml");
        var (code, _, err) = CliTests.Run("run", file, "-q");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"{file}:6:", err);
        Assert.Contains("workloads[0].calls[0].phase", err);
        Assert.Contains("spread", err); // the allowed values
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void The_new_fields_bind_with_upstream_defaults()
    {
        var s = YamlBinder.Load<Scenario>(Header + "workloads: [{name: a, calls: [{at: 30s}], informers: [{resource: pods}]}]", "s.yaml");
        Assert.Equal(0, s.Cluster.ApiServer.GoawayChance);
        Assert.Equal(CallPhase.Spread, s.Workloads[0].Calls[0].Phase);
        Assert.Equal(30, s.Workloads[0].Calls[0].At!.Value.Seconds);
        Assert.Equal((500L, "0"), (s.Workloads[0].Informers[0].PageSize, s.Workloads[0].Informers[0].ResourceVersion));
    }
}
