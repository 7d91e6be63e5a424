namespace Cascade.Engine;

/// <summary>
/// Names one scheduled event so that it can be cancelled. A handle whose event already ran or was
/// cancelled is stale: cancelling it is a no-op (a heap event's slot generation has moved on; a lane event's
/// place in its lane has been passed or cleared). Slot -1 is None; a lane event's Slot is below that.
/// </summary>
public readonly record struct EventHandle(int Slot, int Generation)
{
    public static readonly EventHandle None = new(-1, 0);
    public bool IsNone => Slot == -1;
}
