namespace Cascade.Tests;

/// <summary>
/// A test that drives a program Debian installs. Without it, the test is skipped on a developer's machine but
/// runs (and fails, saying why) in CI (CI=true), where .ci/run installs it: a check that silently skips in CI
/// would let what it guards break unseen.
/// </summary>
public abstract class InstalledToolFactAttribute : FactAttribute
{
    protected InstalledToolFactAttribute(string path, string whyAndHow)
    {
        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (!File.Exists(path) && !ci) Skip = $"{path} not found: {whyAndHow}";
    }
}
