using System.Text.Json;
using Cascade.Results.Report;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Cascade.Tests.Results.Report;

/// <summary>
/// The report as a person meets it: opened from disk in a real browser, every chart drawn, the markers
/// listed, hover reads values off a chart and dragging zooms it. Leaves a screenshot behind to look at.
/// </summary>
public class ReportPageTests(ITestOutputHelper output)
{
    // Debian's Chromium, launched as-is: Playwright must not download a browser of its own.
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    [ChromiumFact]
    public async Task The_report_opens_from_disk_and_draws_every_chart_marker_and_interaction()
    {
        Assert.True(File.Exists(ChromiumFactAttribute.ChromiumPath),
            $"{ChromiumFactAttribute.ChromiumPath} not found: the browser test needs Debian's chromium (apt-get install chromium; .ci/run installs it).");

        var data = SampleReport.Build();
        var artifacts = ArtifactDirectory();
        var htmlPath = Path.Combine(artifacts, "report-sample.html");
        HtmlReport.Write(data, htmlPath);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumFactAttribute.ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
            Timeout = 60_000,
        });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 } });
        page.SetDefaultTimeout(30_000);
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add($"console: {m.Text}"); };
        page.PageError += (_, e) => errors.Add($"page: {e}");
        page.RequestFailed += (_, r) => errors.Add($"request failed: {r.Url}");

        await page.GotoAsync(new Uri(htmlPath).AbsoluteUri);
        await page.WaitForFunctionAsync("() => window.cascadeReport && window.cascadeReport.ready");

        // Every chart of the data is on the page, with a canvas and every series holding its points.
        var drawn = await page.EvaluateAsync<JsonElement>(@"() => window.cascadeReport.charts.map(c => ({
            id: c.id,
            canvas: !!document.querySelector(`[data-chart-id=""${c.id}""] canvas`),
            points: c.series.map(s => s.points) }))");
        var charts = data.Sections.SelectMany(s => s.Charts).ToList();
        Assert.Equal(charts.Select(c => c.Id), drawn.EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        foreach (var (chart, shown) in charts.Zip(drawn.EnumerateArray()))
        {
            Assert.True(shown.GetProperty("canvas").GetBoolean(), $"{chart.Id} has no canvas");
            var expected = chart.Series.Select(s => s.Y.Count(y => y is double v && double.IsFinite(v)));
            Assert.Equal(expected, shown.GetProperty("points").EnumerateArray().Select(p => p.GetInt32()));
            Assert.All(shown.GetProperty("points").EnumerateArray(), p => Assert.True(p.GetInt32() > 0, $"{chart.Id} drew an empty series"));
        }

        // Every marker has its row.
        var markerRows = await page.Locator("#markers tbody tr").AllInnerTextsAsync();
        Assert.Equal(data.Markers!.Count, markerRows.Count);
        foreach (var m in data.Markers) Assert.Contains(markerRows, row => row.Contains(m.Name, StringComparison.Ordinal));

        // The timeline shows every entry, and the markup-looking message stays text.
        Assert.Equal(data.Timeline.Count, await page.Locator("#timeline tbody tr").CountAsync());
        Assert.Equal(0, await page.Locator("#timeline tbody script").CountAsync());

        // The whole page for people to look at, as it opens.
        var screenshot = Path.Combine(artifacts, "report-screenshot.png");
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        output.WriteLine($"screenshot: {screenshot}");

        // Clicking a timeline row marks its moment on the charts (and must not throw).
        await page.Locator("#timeline tbody tr").Nth(3).ClickAsync();

        // Hover: the legend of the first chart reads a value at the cursor.
        var first = charts[0];
        await page.EvaluateAsync("id => document.querySelector(`[data-chart-id=\"${id}\"]`).closest('section').scrollIntoView()", first.Id);
        var over = page.Locator($"[data-chart-id=\"{first.Id}\"] .u-over");
        var box = (await over.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + box.Width * 0.42f, box.Y + box.Height * 0.5f);
        var value = await page.Locator($"[data-chart-id=\"{first.Id}\"] .u-legend .u-series:nth-child(2) .u-value").InnerTextAsync();
        output.WriteLine($"hover value on {first.Id}: {value}");
        Assert.Matches(@"\d", value);

        // The README's picture: the first cluster's charts with the legends reading the hovered moment.
        if (Environment.GetEnvironmentVariable("CASCADE_UPDATE_SCREENSHOT") == "1")
        {
            var readme = Path.Combine(RepoRoot(), "docs", "img", "report.png");
            Directory.CreateDirectory(Path.GetDirectoryName(readme)!);
            await page.ScreenshotAsync(new() { Path = readme });
            output.WriteLine($"README screenshot: {readme}");
        }

        // Zoom: dragging across the middle of the chart narrows its x scale; double-click restores it.
        var before = await XRange(page, first.Id);
        float y = box.Y + box.Height * 0.5f;
        await page.Mouse.MoveAsync(box.X + box.Width * 0.3f, y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + box.Width * 0.6f, y, new() { Steps = 8 });
        await page.Mouse.UpAsync();
        var zoomed = await XRange(page, first.Id);
        output.WriteLine($"x range {before.Min}..{before.Max} zoomed to {zoomed.Min}..{zoomed.Max}");
        Assert.True(zoomed.Max - zoomed.Min < (before.Max - before.Min) * 0.5, "dragging did not zoom the x axis");
        Assert.True(zoomed.Min > before.Min && zoomed.Max < before.Max);
        // Charts share the time axis, so the others zoomed with it.
        var other = await XRange(page, charts[^1].Id);
        Assert.Equal(zoomed.Min, other.Min, 6);

        await page.Mouse.DblClickAsync(box.X + box.Width * 0.5f, y);
        var reset = await XRange(page, first.Id);
        Assert.Equal(before, reset);

        Assert.True(errors.Count == 0, "the page reported errors:\n" + string.Join("\n", errors));
    }

    private static async Task<(double Min, double Max)> XRange(IPage page, string id)
    {
        var range = await page.EvaluateAsync<double[]>("id => window.cascadeReport.charts.find(c => c.id === id).xRange()", id);
        return (range[0], range[1]);
    }

    /// <summary>TestResults/ at the repository root, which CI keeps with the test results.</summary>
    private static string ArtifactDirectory()
    {
        var dir = Path.Combine(RepoRoot(), "TestResults");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cascade.slnx"))) return dir.FullName;
        return AppContext.BaseDirectory;
    }
}
