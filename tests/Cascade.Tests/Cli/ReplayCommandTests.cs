using System.Text.Json;
using Cascade.Cli;

namespace Cascade.Tests.Cli;

[Collection("console")]
public class ReplayCommandTests : IDisposable
{
    private readonly TempFiles _temp = new("cascade-replay-");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_bundled_replay_prints_markers_products_clusters_and_timeline_as_json()
    {
        var outDir = _temp.Path();
        var (code, stdout, _) = CliTests.Run("replay", "openai-2024-12-11", "--set", "duration=30m", "--out", outDir, "-o", "json", "-q");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        var markers = root.GetProperty("markers").EnumerateArray().ToList();
        Assert.Equal(7, markers.Count);
        foreach (var m in markers)
        {
            Assert.False(string.IsNullOrEmpty(m.GetProperty("name").GetString()));
            Assert.True(m.GetProperty("observedMinutes").GetDouble() > 0);
            Assert.True(m.TryGetProperty("simulatedMinutes", out _));
        }
        // Detection comes out of the alert rule firing on a saturated cluster within the half hour.
        var detection = markers.Single(m => m.GetProperty("name").GetString() == "detection");
        Assert.InRange(detection.GetProperty("simulatedMinutes").GetDouble(), 14, 30);
        Assert.Equal(6, root.GetProperty("clusters").GetArrayLength());
        Assert.True(root.GetProperty("products").GetArrayLength() > 0);
        var timeline = root.GetProperty("timeline").EnumerateArray().ToList();
        Assert.Contains(timeline, e => e.GetProperty("kind").GetString() == "rollout");
        // Each entry is (time, cluster, kind, message), in simulated-time order.
        double previous = 0;
        foreach (var e in timeline)
        {
            double t = e.GetProperty("time").GetDouble();
            Assert.True(t >= previous, $"timeline out of order at {t} s");
            previous = t;
            Assert.False(string.IsNullOrEmpty(e.GetProperty("cluster").GetString()));
            Assert.False(string.IsNullOrEmpty(e.GetProperty("message").GetString()));
        }
    }

    [Fact]
    public void An_unknown_replay_is_bad_input_naming_the_known_ones()
    {
        var (code, _, err) = CliTests.Run("replay", "no-such-incident");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("openai-2024-12-11", err);
    }
}
