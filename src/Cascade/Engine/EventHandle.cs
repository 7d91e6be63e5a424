namespace Cascade.Engine;

/// <summary>
/// Names one scheduled event so that it can be cancelled. A handle whose event already ran or was
/// cancelled is stale: cancelling it is a no-op (the slot's generation has moved on).
/// </summary>
public readonly record struct EventHandle(int Slot, int Generation)
{
    public static readonly EventHandle None = new(-1, 0);
    public bool IsNone => Slot < 0;
}
