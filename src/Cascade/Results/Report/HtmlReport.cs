using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Cascade.Results.Report;

/// <summary>
/// Writes a <see cref="ReportData"/> as one self-contained HTML file: the page's script and styles (built
/// from web/ at build time and embedded in this assembly) inlined, the data embedded as JSON. It opens
/// offline from disk and needs nothing else. The same data gives the same bytes: no clock, no random ids.
/// </summary>
public static class HtmlReport
{
    private static readonly Lazy<(string Js, string Css)> Bundle = new(LoadBundle);

    // Compact: a run's series run to many thousands of numbers, one per line would triple the file.
    private static readonly JsonSerializerOptions Compact = new(Json.Options) { WriteIndented = false };

    public static string Render(ReportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var (js, css) = Bundle.Value;
        var html = new StringBuilder(js.Length + css.Length + 4096);
        // "\n" spelled out rather than a verbatim template, so a checkout's line endings cannot change the output.
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"generator\" content=\"").Append(WebUtility.HtmlEncode(data.GeneratedBy)).Append("\">\n")
            .Append("<title>").Append(WebUtility.HtmlEncode(data.Title)).Append("</title>\n")
            .Append("<style>\n").Append(css).Append("</style>\n")
            .Append("</head>\n<body>\n<div id=\"report\"></div>\n")
            .Append("<noscript>This report draws its page with JavaScript. Its data is in the page source, as JSON.</noscript>\n")
            .Append("<script type=\"application/json\" id=\"report-data\">").Append(EmbeddableJson(data)).Append("</script>\n")
            .Append("<script>\n").Append(js).Append("</script>\n")
            .Append("</body>\n</html>\n");
        return html.ToString();
    }

    public static void Write(ReportData data, string path) => AtomicFile.WriteAllText(path, Render(data));

    /// <summary>
    /// The data as JSON that cannot end its script element early: a "&lt;" only ever occurs inside a JSON
    /// string, where "\u003c" means the same, so no "&lt;/script&gt;" or "&lt;!--" in a name can break out.
    /// </summary>
    internal static string EmbeddableJson(ReportData data) =>
        JsonSerializer.Serialize(data, Compact).Replace("<", "\\u003c", StringComparison.Ordinal);

    private static (string Js, string Css) LoadBundle()
    {
        var js = Resource("Cascade.Report.report.js");
        var css = Resource("Cascade.Report.report.css");
        // Inlined verbatim, so the bundle itself must not contain what would close its element.
        if (js.Contains("</script", StringComparison.OrdinalIgnoreCase) || js.Contains("<!--", StringComparison.Ordinal))
            throw new InvalidOperationException("the report script contains '</script' or '<!--' and cannot be inlined");
        if (css.Contains("</style", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("the report stylesheet contains '</style' and cannot be inlined");
        return (js, css);
    }

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"resource {name} is missing: the web/ bundle was not embedded at build time");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
