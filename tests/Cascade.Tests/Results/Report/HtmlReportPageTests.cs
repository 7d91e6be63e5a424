using Cascade.Results.Report;

namespace Cascade.Tests.Results.Report;

/// <summary>The HTML page around the report's data, byte for byte where it is ours (not the bundled script and styles).</summary>
public class HtmlReportPageTests
{
    private static ReportData Data(string title, string generatedBy) =>
        new(title, "sub", ReportKind.Run, generatedBy, [new SummaryItem("a", "1")], [], []);

    [Fact]
    public void The_page_has_its_head_with_encoded_title_and_generator_then_the_data_then_the_script()
    {
        var data = Data("T <1> & 2", "cascade \"0.1\"");
        var html = HtmlReport.Render(data);
        Assert.StartsWith(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
            "<meta name=\"generator\" content=\"cascade &quot;0.1&quot;\">\n" +
            "<title>T &lt;1&gt; &amp; 2</title>\n<style>\n", html);
        Assert.Contains(
            "</style>\n</head>\n<body>\n<div id=\"report\"></div>\n" +
            "<noscript>This report draws its page with JavaScript. Its data is in the page source, as JSON.</noscript>\n" +
            "<script type=\"application/json\" id=\"report-data\">" + HtmlReport.EmbeddableJson(data) + "</script>\n<script>\n", html);
        Assert.EndsWith("</script>\n</body>\n</html>\n", html);
    }

    [Fact]
    public void The_embedded_data_is_compact_camel_case_json()
    {
        var json = HtmlReport.EmbeddableJson(Data("t", "g"));
        Assert.StartsWith("{\"title\":\"t\",\"subtitle\":\"sub\",", json);
        Assert.DoesNotContain("\n", json);
    }

    [Fact]
    public void Rendering_nothing_is_a_programming_error()
    {
        Assert.Throws<ArgumentNullException>(() => HtmlReport.Render(null!));
    }
}
