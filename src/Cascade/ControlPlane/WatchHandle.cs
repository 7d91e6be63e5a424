namespace Cascade.ControlPlane;

/// <summary>An open watch: which replica holds it, its number there, and that replica's life (a restart invalidates old handles).</summary>
public readonly record struct WatchHandle(int Replica, int Id, int Life)
{
    public static readonly WatchHandle None = new(-1, -1, -1);
    public bool IsNone => Replica < 0;
}
