namespace Cascade.Tests.ControlPlane;

/// <summary>A test against a real etcd: skipped on a machine without Debian's etcd-server, never in CI (.ci/run installs it).</summary>
public sealed class EtcdFactAttribute : FactAttribute
{
    public const string EtcdPath = "/usr/bin/etcd";

    public EtcdFactAttribute()
    {
        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (!File.Exists(EtcdPath) && !ci)
            Skip = $"{EtcdPath} not found: install it with `apt-get install etcd-server` to run the live etcd check";
    }
}
