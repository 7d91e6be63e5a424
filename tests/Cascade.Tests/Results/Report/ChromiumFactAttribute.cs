namespace Cascade.Tests.Results.Report;

/// <summary>A test that drives Debian's Chromium: skipped on a machine without it, never in CI (.ci/run installs it).</summary>
public sealed class ChromiumFactAttribute() : InstalledToolFactAttribute(ChromiumPath, "install it with `apt-get install chromium` to run the browser tests")
{
    public const string ChromiumPath = "/usr/bin/chromium";
}
