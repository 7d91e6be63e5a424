using System.Text.Json;
using Cascade.Results;
using Cascade.Scenarios;
using Cascade.Scenarios.Binding;
using Cascade.Scenarios.Schema;

namespace Cascade.Preflight;

/// <summary>
/// `compare`'s shortcut for a variant whose scenario is another row's with playbook steps added at the end, each
/// keyed to a moment that other row's run never reached: a delay after detection when nothing was ever detected,
/// or after a halt when the rollout never halted (break-glass added to health-gate, whose gate stops the change
/// before anyone is paged). Until its trigger fires a step schedules nothing and draws nothing
/// (<see cref="Fleet.TriggeredSteps"/>), so the variant's run is the other's, event for event: it is reported as
/// that run and not run again. Steps at a set time never qualify, nor steps the builder makes room for before the
/// run starts (<see cref="ScenarioBuilder.ReservesRoom"/>); a variant whose other row did reach the moment is run
/// as any other.
/// </summary>
public static class UnreachedSteps
{
    /// <summary>Variant <see cref="Other"/>'s scenario is this variant's without <see cref="Steps"/>, the last steps of its playbook.</summary>
    public sealed record Extension(int Other, IReadOnlyList<ActionSpec> Steps);

    /// <summary>
    /// For each variant, the row whose scenario it extends with deferred steps only (the one with the longest
    /// playbook, so the steps left are fewest; the first such row on a tie), or null.
    /// </summary>
    public static Extension?[] Of(IReadOnlyList<PreparedVariant> prepared)
    {
        var shapes = prepared.Select(p => p.Scenario is { } s ? ScenarioFingerprint.Of(s, playbook: false) : null).ToArray();
        var steps = prepared.Select(p => p.Scenario?.Remediation.Select(Text).ToArray()).ToArray();
        var found = new Extension?[prepared.Count];
        for (int v = 0; v < prepared.Count; v++)
        {
            if (prepared[v].Scenario is not { } scenario) continue;
            int best = -1;
            for (int o = 0; o < prepared.Count; o++)
            {
                if (o == v || shapes[o] is null || shapes[o] != shapes[v]) continue;
                int n = steps[o]!.Length;
                if (n >= steps[v]!.Length || (best >= 0 && n <= steps[best]!.Length)) continue;
                if (!steps[o]!.AsSpan().SequenceEqual(steps[v]!.AsSpan(0, n))) continue;
                if (!scenario.Remediation.Skip(n).All(Deferred)) continue;
                best = o;
            }
            if (best >= 0) found[v] = new Extension(best, scenario.Remediation.Skip(steps[best]!.Length).ToList());
        }
        return found;
    }

    /// <summary>Whether no step of <paramref name="extension"/> would ever have started in the other row's run.</summary>
    public static bool Unreached(Extension extension, RunResult other) =>
        extension.Steps.All(a => a.AfterHalt is not null ? other.Rollout?.Halted != true : other.DetectedAtSeconds is null);

    /// <summary>Why the variant's run is the other row's.</summary>
    public static string Why(Extension extension, string other) =>
        string.Join("; ", extension.Steps.Select(a => a.AfterHalt is not null
            ? $"'{NameOf(a)}' starts when the rollout halts, and it never halted in {other}'s run"
            : $"'{NameOf(a)}' starts after detection, and nothing was detected in {other}'s run")) +
        ": the same run, not run again";

    /// <summary>A step's name, else its action as a scenario writes it.</summary>
    private static string NameOf(ActionSpec a) => a.Name.Length > 0 ? a.Name : Naming.CamelCase(a.Action.ToString());

    /// <summary>A step that starts on a trigger (a halt, detection), not at a time, and changes nothing the builder makes.</summary>
    private static bool Deferred(ActionSpec a) => a.At is null && !ScenarioBuilder.ReservesRoom(a);

    private static string Text(ActionSpec a) => JsonSerializer.Serialize(a, Json.Options);
}
