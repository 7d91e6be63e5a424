namespace Cascade.Tests.Results;

/// <summary>A test that runs Prometheus' promtool: skipped on a machine without it, never in CI (.ci/run installs it).</summary>
public sealed class PromtoolFactAttribute() : InstalledToolFactAttribute(PromtoolPath, "install it with `apt-get install prometheus` to check the OpenMetrics output with Prometheus' own tools")
{
    public const string PromtoolPath = "/usr/bin/promtool";
}
