using Cascade.Results;

namespace Cascade.Tests.Results;

/// <summary>Verdicts as JUnit XML, checked byte for byte on hand-made verdicts.</summary>
public class JUnitReportTests
{
    [Fact]
    public void One_suite_per_scenario_one_case_per_verdict_a_failure_carries_its_evidence_and_a_pass_its_output()
    {
        var verdicts = new[]
        {
            new Verdict("apiserver-saturation", "east", VerdictStatus.Pass, "p99 0.2 s", 0.2, 1, 0.8),
            new Verdict("error-budget", "shop", VerdictStatus.Fail, "used 3 of 2 <\"budget\"> & more", 3, 2, -0.5),
            new Verdict("rollout-reach", "fleet", VerdictStatus.Fail, "reached 10 %", 0.1, 0.05, -1),
        };
        var xml = JUnitReport.Render("list-storm", verdicts);
        Assert.Equal(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" +
            "<testsuites name=\"cascade check\" tests=\"3\" failures=\"2\">\n" +
            "  <testsuite name=\"list-storm\" tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"0\">\n" +
            "    <testcase classname=\"list-storm.apiserver-saturation\" name=\"apiserver-saturation [east]\">\n" +
            "      <system-out>p99 0.2 s</system-out>\n" +
            "    </testcase>\n" +
            "    <testcase classname=\"list-storm.error-budget\" name=\"error-budget [shop]\">\n" +
            "      <failure message=\"used 3 of 2 &lt;&quot;budget&quot;&gt; &amp; more\" type=\"error-budget\">used 3 of 2 &lt;\"budget\"&gt; &amp; more</failure>\n" +
            "    </testcase>\n" +
            "    <testcase classname=\"list-storm.rollout-reach\" name=\"rollout-reach [fleet]\">\n" +
            "      <failure message=\"reached 10 %\" type=\"rollout-reach\">reached 10 %</failure>\n" +
            "    </testcase>\n" +
            "  </testsuite>\n" +
            "</testsuites>\n",
            xml);
    }

    [Fact]
    public void No_verdicts_give_an_empty_suite_with_zero_tests()
    {
        var xml = JUnitReport.Render("s", []);
        Assert.Contains("<testsuites name=\"cascade check\" tests=\"0\" failures=\"0\">", xml);
        Assert.Contains("<testsuite name=\"s\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\" />", xml);
    }

    [Fact]
    public void Write_puts_the_rendered_report_at_the_path_as_utf8_without_a_bom()
    {
        var dir = Directory.CreateTempSubdirectory("cascade-junit-");
        try
        {
            var path = Path.Combine(dir.FullName, "junit.xml");
            var verdicts = new[] { new Verdict("o", "s", VerdictStatus.Pass, "fine — ok", null, null, 0) };
            JUnitReport.Write(path, "sc", verdicts);
            var bytes = File.ReadAllBytes(path);
            Assert.Equal((byte)'<', bytes[0]);
            Assert.Equal(JUnitReport.Render("sc", verdicts), System.Text.Encoding.UTF8.GetString(bytes));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_verdict_is_failed_exactly_when_its_status_is_fail()
    {
        Assert.True(new Verdict("o", "s", VerdictStatus.Fail, "", null, null, -1).Failed);
        Assert.False(new Verdict("o", "s", VerdictStatus.Pass, "", null, null, 1).Failed);
    }
}
