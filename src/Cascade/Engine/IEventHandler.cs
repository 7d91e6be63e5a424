namespace Cascade.Engine;

/// <summary>
/// A model component that reacts to events. Models are small state machines: the kernel calls
/// <see cref="OnEvent"/> with the event's kind and argument the component chose when it scheduled it.
/// The (kind, arg) pair is plain data so that scheduling allocates nothing; a component typically
/// uses <paramref name="kind"/> as its state-machine input and <paramref name="arg"/> as an index into
/// its own arrays (a request slot, a node number).
/// </summary>
public interface IEventHandler
{
    void OnEvent(int kind, long arg);
}

/// <summary>Picks pending events by their handler and kind (<see cref="EventQueue.EarliestWhere"/>).</summary>
public interface IEventFilter
{
    bool Accepts(IEventHandler handler, int kind);
}
