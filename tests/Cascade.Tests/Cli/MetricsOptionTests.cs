using Cascade.Cli;

namespace Cascade.Tests.Cli;

/// <summary>`--metrics FILE` writes the OpenMetrics file into the output folder and nowhere else; a bad name or start time is bad input.</summary>
[Collection("console")]
public class MetricsOptionTests
{
    private static string TempDir() => Path.Combine(Path.GetTempPath(), "cascade-test-" + Guid.NewGuid().ToString("N"));

    private static (int Code, string Out, string Err) Run(string outDir, params string[] more) =>
        CliTests.Run(["run", RunCommandTests.Repo("scenarios", "list-storm.yaml"), "--set", "cluster.nodes=50", "--set", "duration=1m", "--out", outDir, "-q", .. more]);

    [Fact]
    public void Metrics_names_a_file_in_the_output_folder_stamped_from_the_start_given()
    {
        var outDir = TempDir();
        var (code, _, err) = Run(outDir, "--metrics", "incident.om", "--metrics-start", "2024-12-11T14:51:00-08:00");
        Assert.True(code == 0, err);
        var text = File.ReadAllText(Path.Combine(outDir, "incident.om"));
        Assert.EndsWith("# EOF\n", text);
        Assert.Contains(" 1733957470\n", text);   // 22:51:00Z + the first 10 s bucket
        Assert.True(File.Exists(Path.Combine(outDir, "result.json")));
        Assert.Empty(Directory.GetFiles(outDir, ".*"));
        Directory.Delete(outDir, recursive: true);
    }

    [Theory]
    [InlineData("../escape.om")]
    [InlineData("/tmp/anywhere.om")]
    [InlineData("sub/dir.om")]
    [InlineData("result.json")]
    public void A_metrics_path_outside_the_output_folder_or_onto_its_files_is_bad_input(string name)
    {
        var outDir = TempDir();
        var (code, _, err) = Run(outDir, "--metrics", name);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--metrics", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", err);
        Assert.False(Directory.Exists(outDir), "nothing is written when the flags are wrong");
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2024-12-11 22:51:00")]
    [InlineData("2024-12-11T22:51:00")]
    [InlineData("2024-12-11T22:51:00.5Z")]
    [InlineData("1969-12-31T23:59:59Z")]
    public void A_start_that_is_not_a_whole_second_RFC_3339_time_from_the_epoch_on_is_bad_input(string start)
    {
        var (code, _, err) = Run(TempDir(), "--metrics", "m.om", "--metrics-start", start);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--metrics-start", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void A_start_without_a_metrics_file_is_bad_input()
    {
        var (code, _, err) = Run(TempDir(), "--metrics-start", "2024-12-11T22:51:00Z");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--metrics-start", err);
    }

    [Fact]
    public void The_start_parses_offsets_and_Z_to_the_same_second()
    {
        Assert.Equal(1733957460, ScenarioOptions.ParseStart("2024-12-11T22:51:00Z"));
        Assert.Equal(1733957460, ScenarioOptions.ParseStart("2024-12-11T14:51:00-08:00"));
        Assert.Equal(1733957460, ScenarioOptions.ParseStart("2024-12-11T22:51:00.000Z"));
        Assert.Equal(0, ScenarioOptions.ParseStart("1970-01-01T00:00:00Z"));
    }
}
