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

    /// <summary>
    /// Runs <paramref name="first"/>, and what <paramref name="ended"/> gives as runs end, on <paramref name="threads"/>
    /// threads. <paramref name="ended"/> is called one run at a time with the run's item and result; the items it gives
    /// start before those still waiting (they were waiting for that run). Returns when no run is going and none waits.
    /// </summary>
    public static void RunGrowing<TItem, TResult>(IEnumerable<TItem> first, int threads, Func<TItem, RunThreads, TResult> run,
        Func<TItem, TResult, IReadOnlyList<TItem>> ended)
    {
        var waiting = new List<TItem>(first);
        var gate = new object();
        var pool = new RunThreads(Math.Max(1, threads), waiting.Count);
        int going = 0;
        bool failed = false;
        Parallel.For(0, pool.Threads, _ =>
        {
            while (true)
            {
                TItem item;
                lock (gate)
                {
                    // An idle worker waits while a run that may give more is going (its thread goes to that run meanwhile).
                    while (waiting.Count == 0 && going > 0 && !failed) Monitor.Wait(gate);
                    if (waiting.Count == 0 || failed) return;
                    item = waiting[0];
                    waiting.RemoveAt(0);
                    going++;
                    pool.TryStart(out int _);
                }
                bool ok = false;
                try
                {
                    var result = run(item, pool);
                    lock (gate)
                    {
                        var more = ended(item, result);
                        waiting.InsertRange(0, more);
                        pool.Add(more.Count);
                    }
                    ok = true;
                }
                finally
                {
                    lock (gate)
                    {
                        pool.Finished();
                        going--;
                        failed |= !ok;
                        Monitor.PulseAll(gate);
                    }
                }
            }
        });
    }
}

/// <summary>
/// The threads of a set of parallel runs: each run has one while any run still waits to start; after that the
/// threads are shared among the runs still going (two threads and one run left: it gets both).
/// </summary>
public sealed class RunThreads
{
    private int _items, _next = -1, _running;

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
            if (Volatile.Read(ref _next) + 1 < Volatile.Read(ref _items)) return 1;
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

    /// <summary><paramref name="items"/> more runs wait to start.</summary>
    internal void Add(int items) => Interlocked.Add(ref _items, items);
}
