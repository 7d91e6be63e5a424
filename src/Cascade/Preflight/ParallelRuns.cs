namespace Cascade.Preflight;

/// <summary>
/// How the preflight verbs (compare, cliff, sensitivity) run many variants of a scenario: in parallel,
/// each on its own thread (every run is deterministic on its own), with the results kept in the items'
/// order, so what they print does not depend on the number of threads or on which run finished first.
/// </summary>
public static class ParallelRuns
{
    /// <param name="progress">Called with (0, runs in all) before the first run, then after each with (runs done, runs in all), from the run's thread.</param>
    public static TResult[] Run<TItem, TResult>(IReadOnlyList<TItem> items, int threads, Func<TItem, TResult> run, Action<int, int>? progress = null)
    {
        var results = new TResult[items.Count];
        int done = 0;
        progress?.Invoke(0, items.Count);
        Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, i =>
        {
            results[i] = run(items[i]);
            progress?.Invoke(Interlocked.Increment(ref done), items.Count);
        });
        return results;
    }
}
