namespace Cascade.Tests.Results.Report;

/// <summary>
/// A test that drives Debian's Chromium. Without it, the test is skipped on a developer's machine but
/// runs (and fails, saying why) in CI, where .ci/run installs Chromium: a browser test that silently
/// skips in CI would let a broken report land.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (!File.Exists(ChromiumPath) && !ci)
            Skip = $"{ChromiumPath} not found: install it with `apt-get install chromium` to run the browser tests";
    }
}
