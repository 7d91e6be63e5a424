namespace Cascade.Preflight;

/// <summary>
/// How the preflight verbs (compare, cliff, sensitivity) run many variants of a scenario: in parallel,
/// each on its own thread (every run is deterministic on its own), with the results kept in the items'
/// order, so what they print does not depend on the number of threads or on which run finished first.
///
/// A run may also be told how many threads it may use now (<see cref="RunThreads"/>): one while runs wait to
/// start, then its share of the threads whose runs are done, so that the last runs are not left on one core
/// each while the others idle. A run's result is the same whatever threads it is given (a fleet's clusters
/// are assigned to threads between synchronisation points: FleetModel).
/// </summary>
public static class ParallelRuns
{
    /// <param name="progress">Called with (0, runs in all) before the first run, then after each with (runs done, runs in all), from the run's thread.</param>
    public static TResult[] Run<TItem, TResult>(IReadOnlyList<TItem> items, int threads, Func<TItem, TResult> run, Action<int, int>? progress = null) =>
        Run(items, threads, (item, _) => run(item), progress);

    /// <summary>As above; <paramref name="run"/> is also handed how many threads its run may use at each moment it asks.</summary>
    public static TResult[] Run<TItem, TResult>(IReadOnlyList<TItem> items, int threads, Func<TItem, RunThreads, TResult> run, Action<int, int>? progress = null)
    {
        var results = new TResult[items.Count];
        var pool = new RunThreads(Math.Max(1, threads), items.Count);
        int done = 0;
        progress?.Invoke(0, items.Count);
        // A worker per thread takes the next item until none is left, so that items start in their order.
        Parallel.For(0, Math.Min(pool.Threads, items.Count), _ =>
        {
            while (pool.TryStart(out int i))
            {
                try
                {
                    results[i] = run(items[i], pool);
                }
                finally
                {
                    pool.Finished();
                }
                progress?.Invoke(Interlocked.Increment(ref done), items.Count);
            }
        });
        return results;
    }
}

/// <summary>
/// The threads of a set of parallel runs: each run has one while any run still waits to start; after that the
/// threads are shared among the runs still going (two threads and one run left: it gets both).
/// </summary>
public sealed class RunThreads
{
    private readonly int _items;
    private int _next = -1, _running;

    public RunThreads(int threads, int items)
    {
        Threads = threads;
        _items = items;
    }

    /// <summary>The threads of all the runs together.</summary>
    public int Threads { get; }

    /// <summary>The threads one run may use now.</summary>
    public int Now
    {
        get
        {
            if (Volatile.Read(ref _next) + 1 < _items) return 1;
            return Math.Max(1, Threads / Math.Max(1, Volatile.Read(ref _running)));
        }
    }

    internal bool TryStart(out int item)
    {
        Interlocked.Increment(ref _running);
        item = Interlocked.Increment(ref _next);
        if (item < _items) return true;
        Interlocked.Decrement(ref _running);
        return false;
    }

    internal void Finished() => Interlocked.Decrement(ref _running);
}
