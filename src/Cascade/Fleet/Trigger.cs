using Cascade.Engine;

namespace Cascade.Fleet;

/// <summary>When a planned step starts: at a time, a delay after a gate halts the rollout, or a delay after detection (the first alert).</summary>
public readonly record struct Trigger(long? AtTicks, long? AfterHaltTicks, long? AfterDetectionTicks);

/// <summary>
/// Starts the steps of a plan (playbook actions, faults) when their triggers fire, on the fleet's kernel:
/// the handler hears <c>OnEvent(kind, index)</c> with the step's index.
/// </summary>
public sealed class TriggeredSteps(Simulation sim, IReadOnlyList<Trigger> triggers, IEventHandler handler, int kind)
{
    public void Start()
    {
        for (int i = 0; i < triggers.Count; i++)
            if (triggers[i].AtTicks is { } at) sim.Schedule(Math.Max(0, at - sim.Now), handler, kind, i);
    }

    public void OnDetected()
    {
        for (int i = 0; i < triggers.Count; i++)
            if (triggers[i].AfterDetectionTicks is { } delay) sim.Schedule(delay, handler, kind, i);
    }

    /// <summary>The least delay any step waits after detection; <see cref="SimTime.Never"/> if none waits on it.</summary>
    public long LeastAfterDetection => Least(t => t.AfterDetectionTicks);

    /// <summary>The least delay any step waits after a halt; <see cref="SimTime.Never"/> if none waits on it.</summary>
    public long LeastAfterHalt => Least(t => t.AfterHaltTicks);

    private long Least(Func<Trigger, long?> delay)
    {
        long least = SimTime.Never;
        foreach (var t in triggers) if (delay(t) is { } d) least = Math.Min(least, d);
        return least;
    }

    public void OnRolloutHalted()
    {
        for (int i = 0; i < triggers.Count; i++)
            if (triggers[i].AfterHaltTicks is { } delay) sim.Schedule(delay, handler, kind, i);
    }
}
