using System.Text.Json;
using Cascade.Results;
using Cascade.Results.Report;

namespace Cascade.Tests.Results.Report;

/// <summary>The report file as bytes: self-contained, deterministic, and safe whatever the names in it say.</summary>
public class HtmlReportTests
{
    [Fact]
    public void The_same_data_gives_a_byte_identical_report()
    {
        var first = HtmlReport.Render(SampleReport.Build());
        var second = HtmlReport.Render(SampleReport.Build());
        Assert.Equal(first, second);
    }

    [Fact]
    public void The_report_is_self_contained_with_the_page_inlined_and_nothing_fetched()
    {
        var html = HtmlReport.Render(SampleReport.Build());
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<style>", html);
        Assert.Contains("cascadeReport", html); // the page's script, from web/src
        Assert.Contains("u-legend", html);      // uPlot's styles
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("@import", html);
        Assert.DoesNotMatch(@"(src|href)\s*=\s*[""']?(https?:)?//", html);
        Assert.DoesNotMatch(@"url\(\s*[""']?(https?:)?//", html);
    }

    [Fact]
    public void The_embedded_data_reads_back_as_the_report_data()
    {
        var data = SampleReport.Build();
        var json = EmbeddedJson(HtmlReport.Render(data));
        var back = JsonSerializer.Deserialize<ReportData>(json, Json.Options)!;
        Assert.Equal(Json.Serialize(data), Json.Serialize(back));
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("replay", doc.RootElement.GetProperty("kind").GetString());
        Assert.Equal("step", doc.RootElement.GetProperty("sections")[0].GetProperty("charts")[3].GetProperty("kind").GetString());
    }

    [Fact]
    public void A_name_that_looks_like_markup_cannot_close_the_data_script()
    {
        var data = SampleReport.Build() with { Title = "</script><script>alert(1)</script><!--" };
        var html = HtmlReport.Render(data);
        // Two script elements (data, page), so exactly two closing tags; the title is encoded in <title>.
        Assert.Equal(2, html.Split("</script>").Length - 1);
        Assert.Contains("<title>&lt;/script&gt;", html);
        var back = JsonSerializer.Deserialize<ReportData>(EmbeddedJson(html), Json.Options)!;
        Assert.Equal(data.Title, back.Title);
    }

    [Fact]
    public void Write_puts_the_rendered_report_at_the_path()
    {
        var dir = Directory.CreateTempSubdirectory("cascade-report-");
        try
        {
            var path = Path.Combine(dir.FullName, "sub", "report.html");
            var data = SampleReport.Build();
            HtmlReport.Write(data, path);
            Assert.Equal(HtmlReport.Render(data), File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temporary left behind
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    internal static string EmbeddedJson(string html)
    {
        const string open = "<script type=\"application/json\" id=\"report-data\">";
        int start = html.IndexOf(open, StringComparison.Ordinal) + open.Length;
        int end = html.IndexOf("</script>", start, StringComparison.Ordinal);
        return html[start..end];
    }
}
