using Cascade.Scenarios.Binding;

namespace Cascade.Tests.Scenarios.Binding;

public class YamlPathLocatorTests
{
    private static string Write(string text)
    {
        var file = Cascade.Tests.Preflight.PreflightFixtures.TempFile("locate.yaml");
        File.WriteAllText(file, text);
        return file;
    }

    [Fact]
    public void A_path_with_list_indices_is_found_where_the_file_writes_its_value()
    {
        var file = Write("duration: 1h\nclusters:\n  - name: a\n    nodes: 10\n  - name: b\n    nodes: 20\n");
        Assert.Equal((6, 12), YamlPathLocator.Locate(file, "clusters[1].nodes"));
        Assert.Equal((1, 11), YamlPathLocator.Locate(file, "duration"));
    }

    [Fact]
    public void A_path_through_an_alias_is_found_at_the_anchored_value_and_a_path_the_file_does_not_write_has_no_place()
    {
        var file = Write("clusters:\n  - name: a\n    dns: &dns\n      recordTtl: 20m\n  - name: b\n    dns: *dns\n");
        Assert.Equal((4, 18), YamlPathLocator.Locate(file, "clusters[1].dns.recordTtl"));
        Assert.Equal((0, 0), YamlPathLocator.Locate(file, "clusters[2].nodes"));
        Assert.Equal((0, 0), YamlPathLocator.Locate(file, "duration"));
    }

    [Fact]
    public void A_file_that_is_missing_broken_or_of_several_documents_has_no_place_and_neither_has_a_path_through_a_scalar()
    {
        Assert.Equal((0, 0), YamlPathLocator.Locate(Path.Combine(Path.GetTempPath(), "no-such-locate.yaml"), "duration"));
        Assert.Equal((0, 0), YamlPathLocator.Locate(Write("duration: [1h\n"), "duration"));
        Assert.Equal((0, 0), YamlPathLocator.Locate(Write("duration: 1h\n---\nduration: 2h\n"), "duration"));
        var file = Write("duration: 1h\nclusters:\n  - name: a\n");
        Assert.Equal((0, 0), YamlPathLocator.Locate(file, "duration.seconds"));
        Assert.Equal((0, 0), YamlPathLocator.Locate(file, "clusters.name"));
        Assert.Equal((0, 0), YamlPathLocator.Locate(file, "duration[0]"));
        Assert.Equal((3, 11), YamlPathLocator.Locate(file, "clusters[0].name"));
    }
}
