using System.Globalization;
using System.Text;
using System.Xml;

namespace Cascade.Results;

/// <summary>
/// Verdicts as a JUnit XML report, the format CI systems (GitHub Actions, GitLab, Jenkins) display: one
/// test suite per scenario, one test case per objective and subject (classname = the objective, name =
/// the cluster or product), a failed objective a &lt;failure&gt; carrying the evidence. No timestamps or
/// durations, so the same run writes the same bytes.
/// </summary>
public static class JUnitReport
{
    public static string Render(string scenario, IReadOnlyList<Verdict> verdicts)
    {
        var sb = new StringBuilder();
        var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", NewLineChars = "\n", Encoding = new UTF8Encoding(false), OmitXmlDeclaration = false };
        using (var sw = new StringWriterUtf8(sb))
        using (var w = XmlWriter.Create(sw, settings))
        {
            int failures = verdicts.Count(v => v.Failed);
            string count = verdicts.Count.ToString(CultureInfo.InvariantCulture);
            string failed = failures.ToString(CultureInfo.InvariantCulture);
            w.WriteStartDocument();
            w.WriteStartElement("testsuites");
            w.WriteAttributeString("name", "cascade check");
            w.WriteAttributeString("tests", count);
            w.WriteAttributeString("failures", failed);
            w.WriteStartElement("testsuite");
            w.WriteAttributeString("name", scenario);
            w.WriteAttributeString("tests", count);
            w.WriteAttributeString("failures", failed);
            w.WriteAttributeString("errors", "0");
            w.WriteAttributeString("skipped", "0");
            foreach (var v in verdicts)
            {
                w.WriteStartElement("testcase");
                w.WriteAttributeString("classname", $"{scenario}.{v.Objective}");
                w.WriteAttributeString("name", $"{v.Objective} [{v.Subject}]");
                if (v.Failed)
                {
                    w.WriteStartElement("failure");
                    w.WriteAttributeString("message", v.Evidence);
                    w.WriteAttributeString("type", v.Objective);
                    w.WriteString(v.Evidence);
                    w.WriteEndElement();
                }
                else
                {
                    w.WriteElementString("system-out", v.Evidence);
                }
                w.WriteEndElement();
            }
            w.WriteEndElement();
            w.WriteEndElement();
            w.WriteEndDocument();
        }
        return sb.Append('\n').ToString();
    }

    public static void Write(string path, string scenario, IReadOnlyList<Verdict> verdicts) =>
        AtomicFile.WriteAllText(path, Render(scenario, verdicts));

    /// <summary>So the declaration says UTF-8, the encoding the file is written in.</summary>
    private sealed class StringWriterUtf8(StringBuilder sb) : StringWriter(sb, CultureInfo.InvariantCulture)
    {
        public override Encoding Encoding => new UTF8Encoding(false);
    }
}
