using Cascade.Results;
using Cascade.Scenarios;

namespace Cascade.Tests.Scenarios;

/// <summary>The bundled replay's markers at its own seed and the two after it, each run whole once for the class.</summary>
public sealed class ReplaySeeds
{
    public const int Count = 3;

    public ReplaySeeds()
    {
        var scenario = ScenarioLoader.LoadFile(Cascade.Tests.Preflight.PreflightFixtures.Replay);
        Seed = (ulong)scenario.Seed;
        Markers = Enumerable.Range(0, Count).Select(k =>
        {
            var output = ScenarioRunner.Run(scenario, Seed + (ulong)k);
            return ReplayMarkers.Compute(scenario.Replay!, output.Result, output.Traffic);
        }).ToList();
    }

    /// <summary>The scenario's own seed; <see cref="Markers"/>[k] is seed + k's.</summary>
    public ulong Seed { get; }
    public IReadOnlyList<IReadOnlyList<MarkerResult>> Markers { get; }
}

/// <summary>
/// The bundled replay, run whole (5 h simulated, several seconds each), against OpenAI's write-up: issue 19's bar is
/// every marker within 25 % of the observed minute. A model change that moves a marker past it fails here
/// before it reaches the README's table. The bar is held at the scenario's own seed, and by the median of three seeds,
/// so that a marker which passes at one seed only by where its last minute happens to fall is caught too (the first
/// cluster's recovery did, until the twenty-first stop of 2026-12-06: docs/validation.md).
/// </summary>
public class ReplayAgainstWriteUpTests(ReplaySeeds seeds) : IClassFixture<ReplaySeeds>
{
    private static double Error(double simulated, double observed) => Math.Abs(simulated - observed) / observed;

    [Fact]
    public void The_replay_puts_every_marker_within_a_quarter_of_the_write_ups_minute()
    {
        var markers = seeds.Markers[0];
        Assert.Equal(7, markers.Count);
        Assert.All(markers, m =>
        {
            Assert.True(m.SimulatedMinutes is not null, $"{m.Name}: never");
            double error = Error(m.SimulatedMinutes!.Value, m.ObservedMinutes);
            Assert.True(error <= 0.25, $"{m.Name}: {m.SimulatedMinutes} against {m.ObservedMinutes} ({error:P0})");
        });
    }

    [Fact]
    public void Over_three_seeds_every_marker_happens_and_its_median_is_within_a_quarter_of_the_write_ups_minute()
    {
        Assert.All(seeds.Markers, markers => Assert.Equal(7, markers.Count));
        for (int i = 0; i < 7; i++)
        {
            var name = seeds.Markers[0][i].Name;
            double observed = seeds.Markers[0][i].ObservedMinutes;
            var simulated = seeds.Markers.Select(markers =>
            {
                Assert.Equal(name, markers[i].Name);
                Assert.True(markers[i].SimulatedMinutes is not null, $"{name}: never");
                return markers[i].SimulatedMinutes!.Value;
            }).Order().ToList();
            double median = simulated[ReplaySeeds.Count / 2];
            double error = Error(median, observed);
            Assert.True(error <= 0.25, $"{name}: median {median} of seeds {seeds.Seed}–{seeds.Seed + ReplaySeeds.Count - 1} ({string.Join(", ", simulated)}) against {observed} ({error:P0})");
        }
    }
}
