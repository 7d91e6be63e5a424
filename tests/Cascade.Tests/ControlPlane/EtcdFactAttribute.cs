namespace Cascade.Tests.ControlPlane;

/// <summary>A test against a real etcd: skipped on a machine without Debian's etcd-server, never in CI (.ci/run installs it).</summary>
public sealed class EtcdFactAttribute() : InstalledToolFactAttribute(EtcdPath, "install it with `apt-get install etcd-server` to run the live etcd check")
{
    public const string EtcdPath = "/usr/bin/etcd";
}
