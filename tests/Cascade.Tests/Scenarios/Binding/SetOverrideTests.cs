using Cascade.Scenarios.Binding;
using YamlDotNet.RepresentationModel;

namespace Cascade.Tests.Scenarios.Binding;

/// <summary>--set path=value overrides, Helm's convention, applied to the file before binding.</summary>
public class SetOverrideTests
{
    private const string File = """
        name: base
        cluster:
          nodes: 100
        workloads:
          - name: web
            calls:
              - verb: list
                every: 10s
        """;

    [Fact]
    public void An_override_replaces_a_scalar_in_the_file()
    {
        Assert.Equal(5000, Fixture.Load(File, "cluster.nodes=5000").Cluster.Nodes);
    }

    [Fact]
    public void Overrides_apply_in_order_so_the_last_wins()
    {
        Assert.Equal("third", Fixture.Load(File, "name=second", "name=third").Name);
    }

    [Fact]
    public void A_nested_path_creates_the_mappings_it_needs()
    {
        var s = Fixture.Load("name: x", "cluster.apiServer.replicas=7");
        Assert.Equal(7, s.Cluster.ApiServer.Replicas);
        Assert.Equal(10, s.Cluster.Nodes);
    }

    [Fact]
    public void A_list_index_reaches_into_an_item()
    {
        var s = Fixture.Load(File, "workloads[0].calls[0].every=30s");
        Assert.Equal(30, s.Workloads[0].Calls[0].Every!.Value.Seconds);
        Assert.Equal(Verb.List, s.Workloads[0].Calls[0].Verb);
    }

    [Fact]
    public void An_index_equal_to_the_length_appends()
    {
        var s = Fixture.Load(File, "workloads[1].name=batch", "workloads[1].calls[0].verb=watch");
        Assert.Equal(["web", "batch"], s.Workloads.Select(w => w.Name));
        Assert.Equal(Verb.Watch, s.Workloads[1].Calls[0].Verb);
    }

    [Fact]
    public void An_index_past_the_end_is_refused()
    {
        var e = Fixture.Error(File, "workloads[3].name=x");
        Assert.Equal(("--set", "workloads[3].name=x"), (e.File, e.Field));
        Assert.Equal("index 3 is past the end of 'workloads', which has 1 items ([1] appends)", e.Message);
    }

    [Fact]
    public void A_flow_value_sets_a_whole_list_or_mapping()
    {
        var s = Fixture.Load(File, "workloads[0].calls=[{verb: get}, {verb: watch, rate: 2}]", "labels={team: sre, tier: '1'}");
        Assert.Equal([Verb.Get, Verb.Watch], s.Workloads[0].Calls.Select(c => c.Verb));
        Assert.Equal(["team", "tier"], s.Labels.Keys);
    }

    [Fact]
    public void Quotes_keep_a_value_a_string()
    {
        var e = Fixture.Error(File, "cluster.nodes='5000'");
        Assert.Contains("got the string '5000'", e.Message);
    }

    [Fact]
    public void An_escaped_dot_is_part_of_a_key()
    {
        var s = Fixture.Load(File, @"labels.app\.kubernetes\.io/name=web");
        Assert.Equal("web", s.Labels["app.kubernetes.io/name"]);
    }

    [Fact]
    public void An_empty_value_is_null()
    {
        var e = Fixture.Error(File, "name=");
        Assert.Equal("expected a string, got null", e.Message);
    }

    [Fact]
    public void Paths_below_an_embedded_object_are_free()
    {
        var s = Fixture.Load(File, "manifest.spec.containers[0].image=nginx:1.27");
        var image = s.Manifest!["spec"]["containers"][0]["image"];
        Assert.Equal("nginx:1.27", ((YamlScalarNode)image).Value);
    }

    [Theory]
    [InlineData("cluster.nodes", "missing '=': write path=value")]
    [InlineData("=5", "no path before '='")]
    [InlineData("cluster..nodes=5", "empty name at character 9")]
    [InlineData("workloads[0.name=x", "'[' at character 10 is not closed")]
    [InlineData("workloads[-1].name=x", "a list index must be a whole number from 0, got '[-1]'")]
    [InlineData("workloads[0]name=x", "expected '.', '[' or '=' after ']' at character 13")]
    [InlineData(@"name\", "a backslash at the end escapes nothing")]
    [InlineData("name=[a, b", "the value is not valid YAML: While parsing a flow sequence, did not find expected ',' or ']'.")]
    [InlineData("name=a: b", "the value must be a scalar or a flow collection like [a, b] or {k: v}; quote it to keep it a string")]
    [InlineData("cluster.nodes.max=5", "'cluster.nodes' is an integer, so it has no field 'max'")]
    [InlineData("cluster[0]=5", "'cluster' is a mapping, not a list, so it has no [0]")]
    public void A_malformed_override_says_what_is_wrong_and_names_itself(string set, string message)
    {
        var e = Fixture.Error(File, set);
        Assert.Equal(("--set", set, message), (e.File, e.Field, e.Message));
    }

    [Fact]
    public void A_misspelt_field_in_an_override_is_the_overrides_mistake()
    {
        var e = Fixture.Error(File, "cluster.nodez=5");
        Assert.Equal(("--set", "cluster.nodez=5"), (e.File, e.Field));
        Assert.Equal("unknown field 'nodez' in 'cluster' (did you mean 'nodes'?)", e.Message);
    }

    [Fact]
    public void A_bad_value_from_an_override_is_located_at_the_override_not_the_file()
    {
        var e = Fixture.Error(File, "cluster.nodes=lots");
        Assert.Equal(("--set cluster.nodes=lots", 0, "cluster.nodes"), (e.File, e.Line, e.Field));
        Assert.Equal("--set cluster.nodes=lots: cluster.nodes: expected an integer, got 'lots'", e.Describe());
    }

    [Fact]
    public void A_bad_value_inside_a_flow_override_is_located_at_the_override()
    {
        var e = Fixture.Error(File, "workloads[0].calls=[{verb: get}, {verb: post}]");
        Assert.Equal(("--set workloads[0].calls=[{verb: get}, {verb: post}]", "workloads[0].calls[1].verb"), (e.File, e.Field));
    }

    [Fact]
    public void A_required_field_missing_from_an_item_an_override_appended_names_the_override()
    {
        var e = Fixture.Error(File, "workloads[1].replicas=2");
        Assert.Equal(("--set workloads[1].replicas=2", "workloads[1].name"), (e.File, e.Field));
    }

    [Theory]
    [InlineData("name.first=x", "'name' is a string, so it has no field")]
    [InlineData("name[0]=x", "'name' is a string, not a list")]
    [InlineData("cluster[0]=x", "'cluster' is a mapping, not a list")]
    [InlineData("workloads.name=x", "'workloads' is a list, so it has no field")]
    [InlineData("manifest.spec.replicas=2", "'manifest.spec' is '5' in the file, not a mapping")]
    [InlineData("manifest.items[0]=2", "'manifest.items' is a mapping in the file, not a list")]
    [InlineData("manifest.spec[0]=2", "'manifest.spec' is '5' in the file, not a list")]
    public void A_path_through_a_value_of_another_shape_is_refused(string set, string message)
    {
        var e = Fixture.Error(File + "\nmanifest: {spec: 5, items: {a: 1}}\n", set);
        Assert.Equal(("--set", set), (e.File, e.Field));
        Assert.Contains(message, e.Message);
    }
}
