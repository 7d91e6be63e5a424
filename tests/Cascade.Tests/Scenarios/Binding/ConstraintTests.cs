using Cascade.Scenarios.Binding;

namespace Cascade.Tests.Scenarios.Binding;

/// <summary>[Range], [Required], [OneOf] and IValidatable: rules beyond a field's type.</summary>
public class ConstraintTests
{
    [Theory]
    [InlineData("cluster: {nodes: 0}", "cluster.nodes", "must be between 1 and 100000, got 0")]
    [InlineData("cluster: {apiServer: {requestTimeout: 2h}}", "cluster.apiServer.requestTimeout", "must be between 1s and 1h, got 2h")]
    [InlineData("cluster: {apiServer: {maxQps: -1}}", "cluster.apiServer.maxQps", "must be at least 0, got -1")]
    [InlineData("cluster: {apiServer: {memory: 2Ti}}", "cluster.apiServer.memory", "must be between 0 and 1Ti, got 2Ti")]
    public void A_value_outside_its_range_says_the_range(string yaml, string field, string message)
    {
        var e = Fixture.Error(yaml);
        Assert.Equal((field, message), (e.Field, e.Message));
    }

    [Fact]
    public void A_value_at_the_edge_of_its_range_is_accepted()
    {
        Assert.Equal(9, Fixture.Load("cluster: {apiServer: {replicas: 9}}").Cluster.ApiServer.Replicas);
    }

    [Fact]
    public void A_missing_required_field_is_reported_at_its_object()
    {
        var e = Fixture.Error("""
            workloads:
              - replicas: 2
            """);
        Assert.Equal((2, 5, "workloads[0].name"), (e.Line, e.Column, e.Field));
        Assert.Equal("missing required field 'name'", e.Message);
    }

    [Fact]
    public void Two_fields_of_a_one_of_group_cannot_both_be_set()
    {
        var e = Fixture.Error("workloads: [{name: a, calls: [{every: 5s, rate: 2}]}]");
        Assert.Equal("workloads[0].calls[0].rate", e.Field);
        Assert.Equal("'every' and 'rate' cannot both be set (at most one of: every, rate)", e.Message);
    }

    [Fact]
    public void A_validatable_object_reports_its_own_rule_at_the_offending_field()
    {
        var e = Fixture.Error("""
            workloads:
              - name: web
                autoscaler:
                  min: 5
                  max: 2
            """);
        Assert.Equal((5, 12, "workloads[0].autoscaler.max"), (e.Line, e.Column, e.Field));
        Assert.Equal("must be at least min (5), got 2", e.Message);
    }

    [Fact]
    public void A_validation_rule_about_a_defaulted_field_points_at_its_object()
    {
        var e = Fixture.Error("workloads: [{name: web, autoscaler: {min: 50}}]");
        Assert.Equal((1, 37, "workloads[0].autoscaler.max"), (e.Line, e.Column, e.Field));
    }

    [Fact]
    public void Validation_waits_until_the_file_binds_without_errors()
    {
        // The autoscaler rule would fail too, but only the type error is reported: validating
        // objects with fields left at defaults by a mistake would report mistakes that are not there.
        var e = Fixture.Error("workloads: [{name: web, replicas: x, autoscaler: {min: 50}}]");
        Assert.Single(e.Message.Split('\n'));
        Assert.Equal("workloads[0].replicas", e.Field);
    }

    [Fact]
    public void The_expected_api_version_and_kind_are_checked_before_anything_else()
    {
        var e = Assert.Throws<InputException>(() => YamlBinder.Load<TestScenario>(
            "apiVersion: cascade/v2\nkind: Scenario\nnodez: 1\n", "s.yaml", expectedApiVersion: "cascade/v1", expectedKind: "Scenario"));
        Assert.Equal((1, 13, "apiVersion"), (e.Line, e.Column, e.Field));
        Assert.Equal("expected 'cascade/v1', got 'cascade/v2'", e.Message);
    }

    [Fact]
    public void A_missing_kind_is_reported()
    {
        var e = Assert.Throws<InputException>(() => YamlBinder.Load<TestScenario>(
            "apiVersion: cascade/v1\nname: x\n", "s.yaml", expectedApiVersion: "cascade/v1", expectedKind: "Scenario"));
        Assert.Equal(("kind", "missing 'kind: Scenario'"), (e.Field, e.Message));
    }

    [Fact]
    public void A_correct_header_is_accepted_though_the_schema_has_no_such_fields()
    {
        var s = YamlBinder.Load<TestScenario>("apiVersion: cascade/v1\nkind: Scenario\nname: x\n", "s.yaml",
            expectedApiVersion: "cascade/v1", expectedKind: "Scenario");
        Assert.Equal("x", s.Name);
    }
}
