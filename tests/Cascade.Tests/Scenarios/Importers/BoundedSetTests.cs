using Cascade.Scenarios.Importers;

namespace Cascade.Tests.Scenarios.Importers;

/// <summary>The profile's bounded memory: distinct values up to a shared budget, and callers with their spans.</summary>
public class BoundedSetTests
{
    private static DateTimeOffset At(double seconds) => new DateTimeOffset(2024, 12, 11, 0, 0, 0, TimeSpan.Zero).AddSeconds(seconds);

    [Fact]
    public void Sets_share_one_budget_and_stop_growing_at_it_saying_so()
    {
        var budget = new ValueBudget(3);
        var a = new BoundedSet(budget);
        var b = new BoundedSet(budget);
        a.Add("x");
        a.Add("x");
        a.Add(null);
        b.Add("x");
        Assert.Equal((1, 1, 2L), (a.Count, b.Count, budget.Used));
        Assert.False(budget.Exhausted);
        b.Add("y");
        Assert.True(budget.Exhausted);
        Assert.False(a.Saturated);
        a.Add("x");          // known: no budget needed
        Assert.False(a.Saturated);
        a.Add("z");
        Assert.True(a.Saturated);
        Assert.Equal((1, 3L), (a.Count, budget.Used));
        Assert.True(b.Contains("y") && !a.Contains("y") && !a.Contains("z"));
        Assert.Equal(1, a.CountIn(b));
        Assert.Equal(1, b.CountIn(a));
    }

    [Fact]
    public void Strings_differing_only_in_a_high_byte_hash_apart()
    {
        var budget = new ValueBudget(10);
        var s = new BoundedSet(budget);
        s.Add("\u0141");   // Ł: 0x0141
        s.Add("A");        // 0x0041
        s.Add("\u0241");
        Assert.Equal(3, s.Count);
    }

    [Fact]
    public void Callers_keep_their_spans_so_pods_one_after_another_are_not_at_once()
    {
        var callers = new CallerSet(new ValueBudget(10));
        callers.Add("a", At(0));
        callers.Add("a", At(10));
        callers.Add("b", At(10));   // starts as a ends: both at once at that instant
        callers.Add("b", At(30));
        callers.Add("c", At(40));   // seen once
        callers.Add(null, At(50));
        Assert.Equal(3, callers.Count);
        Assert.Equal(2, callers.PeakConcurrent());
        // a: 10 s over 2 requests → 20 s; b: 20 s over 2 → 40 s; c once → the whole window.
        Assert.Equal(20 + 40 + 100, callers.CallingSeconds(100), 9);
        var apart = new CallerSet(new ValueBudget(10));
        apart.Add("a", At(0));
        apart.Add("a", At(5));
        apart.Add("b", At(6));
        apart.Add("b", At(9));
        apart.Add("b", At(12));
        Assert.Equal(1, apart.PeakConcurrent());
        Assert.Equal(10 + 6 * 3 / 2.0, apart.CallingSeconds(100), 9);
        // Two requests at one instant have no span: the whole window.
        var instant = new CallerSet(new ValueBudget(10));
        instant.Add("a", At(3));
        instant.Add("a", At(3));
        Assert.Equal(77, instant.CallingSeconds(77), 9);
        // Out of order, the span still runs from the earliest to the latest.
        var late = new CallerSet(new ValueBudget(10));
        late.Add("a", At(20));
        late.Add("a", At(0));
        late.Add("a", At(10));
        Assert.Equal(20 * 3 / 2.0, late.CallingSeconds(100), 9);
    }

    [Fact]
    public void Callers_past_the_budget_are_not_told_apart_and_known_ones_go_on_counting()
    {
        var budget = new ValueBudget(1);
        var callers = new CallerSet(budget);
        callers.Add("a", At(0));
        callers.Add("b", At(1));
        Assert.True(callers.Saturated);
        callers.Add("a", At(4));
        Assert.Equal((1, 1L), (callers.Count, budget.Used));
        Assert.Equal(8, callers.CallingSeconds(100), 9);
    }
}
