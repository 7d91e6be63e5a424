using Cascade.Scenarios.Binding;

namespace Cascade.Tests.Scenarios.Binding;

/// <summary>A mistake in the file is reported at its line and column, with the field's path.</summary>
public class FieldErrorTests
{
    [Fact]
    public void An_unknown_field_is_reported_where_it_is_with_the_closest_known_name()
    {
        var e = Fixture.Error("""
            cluster:
              nodez: 5
            """);

        Assert.Equal((Fixture.File, 2, 3, "cluster.nodez"), (e.File, e.Line, e.Column, e.Field));
        Assert.Equal("unknown field 'nodez' (did you mean 'nodes'?)", e.Message);
        Assert.Equal("scenario.yaml:2:3: cluster.nodez: unknown field 'nodez' (did you mean 'nodes'?)", e.Describe());
    }

    [Fact]
    public void An_unknown_field_with_no_close_name_lists_the_known_ones()
    {
        var e = Fixture.Error("cluster: {colour: blue}");
        Assert.Equal("unknown field 'colour' (known: nodes, apiServer)", e.Message);
    }

    [Fact]
    public void A_value_of_the_wrong_type_says_what_was_expected_and_what_came()
    {
        var e = Fixture.Error("cluster: {apiServer: {maxQps: lots}}");
        Assert.Equal((1, 31, "cluster.apiServer.maxQps"), (e.Line, e.Column, e.Field));
        Assert.Equal("expected a number, got 'lots'", e.Message);
    }

    [Theory]
    [InlineData("cluster: {nodes: 2.5}", "expected an integer, got '2.5'")]
    [InlineData("cluster: {nodes: '5'}", "expected an integer, got the string '5' (write it without quotes)")]
    [InlineData("cluster: {nodes: 3000000000}", "3000000000 is out of range (-2147483648 to 2147483647)")]
    [InlineData("cluster: {nodes: [1]}", "expected an integer, got a list")]
    [InlineData("cluster: {nodes: ~}", "expected an integer, got null")]
    [InlineData("cluster: 5", "expected a mapping, got '5'")]
    [InlineData("cluster:", "expected a mapping, got null (leave the field out to keep its defaults)")]
    [InlineData("workloads: {a: 1}", "expected a list, got a mapping")]
    [InlineData("name: {a: 1}", "expected a string, got a mapping")]
    [InlineData("cluster: {apiServer: {requestTimeout: 5x}}", "'5x' is not a duration: unknown unit 'x' (use us, ms, s, m, h or d)")]
    [InlineData("cluster: {apiServer: {memory: 5 GB}}", "'5 GB' is not a quantity: write it like 512Mi, 64Gi, 1.5G, 100k or 500m")]
    [InlineData("cluster: {apiServer: {memory: 99999999999999999999999999999Ki}}", "'99999999999999999999999999999Ki' is too large a quantity")]
    [InlineData("cluster: {apiServer: {memory: 2Ei}}", "must be at most 1Ei, got 2Ei")]
    [InlineData("cluster: {[a]: 1}", "a field name must be a plain word, got a list")]
    [InlineData("cluster: {~: 1}", "a field name must be a plain word, got null")]
    [InlineData("labels: {{a: 1}: b}", "a key must be a string, got a mapping")]
    [InlineData("labels: {~: b}", "a key must be a string, got null")]
    [InlineData("workloads: [{name: ~}]", "expected a string, got null")]
    [InlineData("workloads: [{replicas: 2}]", "missing required field 'name'")]
    public void Each_kind_of_wrong_value_has_its_own_message(string yaml, string message)
    {
        Assert.Equal(message, Fixture.Error(yaml).Message);
    }

    [Fact]
    public void A_wrong_enum_value_lists_the_allowed_values()
    {
        var e = Fixture.Error("""
            workloads:
              - name: a
                calls:
                  - verb: post
            """);
        Assert.Equal((4, 15, "workloads[0].calls[0].verb"), (e.Line, e.Column, e.Field));
        Assert.Equal("expected one of get, list, watch, deleteCollection, got 'post'", e.Message);
    }

    [Fact]
    public void A_misspelt_enum_value_gets_a_suggestion()
    {
        var e = Fixture.Error("workloads: [{name: a, calls: [{verb: wacth}]}]");
        Assert.EndsWith("(did you mean 'watch'?)", e.Message);
    }

    [Fact]
    public void Booleans_are_only_true_and_false()
    {
        var e = Assert.Throws<InputException>(() => YamlBinder.Load<EveryType>("flag: yes", "f.yaml"));
        Assert.Equal("expected true or false, got 'yes'", e.Message);
    }

    [Fact]
    public void Every_mistake_is_reported_at_once_the_first_in_the_fields_the_rest_one_per_line()
    {
        var e = Fixture.Error("""
            nam: x
            cluster:
              nodes: many
            """);

        Assert.Equal((1, 1, "nam"), (e.Line, e.Column, e.Field));
        Assert.Equal(
            """
            scenario.yaml:1:1: nam: unknown field 'nam' (did you mean 'name'?)
            scenario.yaml:3:10: cluster.nodes: expected an integer, got 'many'
            """.ReplaceLineEndings("\n"),
            e.Describe());
    }

    [Fact]
    public void Broken_yaml_syntax_is_reported_at_its_position()
    {
        var e = Fixture.Error("workloads: [a, b\n");
        Assert.Equal((Fixture.File, 2), (e.File, e.Line));
        Assert.Contains("did not find expected ',' or ']'", e.Message);
    }

    [Fact]
    public void An_unclosed_bracket_before_a_field_is_reported_though_the_parser_stumbles()
    {
        var e = Fixture.Error("workloads: [a, b\nname: x\n");
        Assert.Equal((Fixture.File, 2), (e.File, e.Line));
        Assert.Contains("unclosed", e.Message);
    }

    [Fact]
    public void A_key_given_twice_is_an_error()
    {
        var e = Fixture.Error("name: a\nname: b\n");
        Assert.Equal(2, e.Line);
        Assert.Contains("Duplicate key", e.Message);
    }

    [Fact]
    public void A_top_level_that_is_not_a_mapping_is_an_error()
    {
        Assert.Equal("expected a mapping of fields at the top, got a list", Fixture.Error("- a\n- b\n").Message);
    }

    [Fact]
    public void Two_documents_in_one_file_is_an_error()
    {
        var e = Fixture.Error("name: a\n---\nname: b\n");
        Assert.Equal((3, "expected one YAML document, found 2"), (e.Line, e.Message));
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var e = Assert.Throws<InputException>(() => YamlBinder.LoadFile<TestScenario>("/no/such/scenario.yaml"));
        Assert.Equal("/no/such/scenario.yaml: no such file", e.Describe());
    }

    [Fact]
    public void A_name_with_path_characters_is_escaped_in_the_field_so_it_pastes_into_set()
    {
        var e = Fixture.Error("labels: {'a.b[c]=d\\e': [1]}");
        Assert.Equal(@"labels.a\.b\[c\]\=d\\e", e.Field);
        Assert.Equal("labels.plain", Fixture.Error("labels: {plain: [1]}").Field);
    }

    [Fact]
    public void Many_mistakes_are_listed_up_to_twenty_then_counted()
    {
        string Workloads(int n) => "workloads:\n" + string.Concat(Enumerable.Range(0, n).Select(i => $"  - {{name: w{i}, replicas: x}}\n"));
        var twenty = Fixture.Error(Workloads(20));
        Assert.Equal(20, twenty.Message.Split('\n').Length);
        Assert.DoesNotContain("more", twenty.Message);
        var many = Fixture.Error(Workloads(23));
        var lines = many.Message.Split('\n');
        Assert.Equal(21, lines.Length);
        Assert.Equal("... and 3 more", lines[^1]);
        Assert.Equal(("workloads[0].replicas", 2), (many.Field, many.Line));
        Assert.StartsWith("scenario.yaml:3:", lines[1]);
    }

    [Theory]
    [InlineData("true", true, true)]
    [InlineData("True", true, true)]
    [InlineData("TRUE", true, true)]
    [InlineData("false", true, false)]
    [InlineData("False", true, false)]
    [InlineData("FALSE", true, false)]
    [InlineData("yes", false, false)]
    [InlineData("tRUE", false, false)]
    public void Booleans_are_yaml_1_2s_words(string text, bool ok, bool value)
    {
        Assert.Equal(ok, Scalars.TryBool(text, out bool v));
        Assert.Equal(value, v);
    }

    [Fact]
    public void A_long_or_multi_line_value_is_shown_on_one_line_and_cut_short()
    {
        Assert.Equal("a\\nb", Scalars.OneLine("a\nb"));
        Assert.Equal(new string('x', 60), Scalars.OneLine(new string('x', 60)));
        Assert.Equal(new string('x', 57) + "...", Scalars.OneLine(new string('x', 61)));
        Assert.Equal("", Scalars.OneLine(null));
    }
}
