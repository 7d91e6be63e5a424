using Cascade.Preflight;

namespace Cascade.Tests.Preflight;

public class ParallelRunsTests
{
    /// <summary>One thread a run while any run waits to start; then the threads of the runs done go to those still going.</summary>
    [Fact]
    public void A_run_gets_one_thread_while_runs_wait_and_a_share_of_the_idle_threads_after()
    {
        var pool = new RunThreads(threads: 2, items: 3);
        Assert.True(pool.TryStart(out int a));
        Assert.Equal((0, 1), (a, pool.Now));
        Assert.True(pool.TryStart(out int b));
        Assert.Equal((1, 1), (b, pool.Now));      // item 2 waits
        pool.Finished();                          // item 0 done
        Assert.True(pool.TryStart(out int c));
        Assert.Equal((2, 1), (c, pool.Now));      // none waits, two run: one each
        pool.Finished();                          // item 1 done
        Assert.Equal(2, pool.Now);                // the last run gets both
        Assert.False(pool.TryStart(out _));       // a worker finds nothing left and leaves
        Assert.Equal(2, pool.Now);
        pool.Finished();
        Assert.Equal(2, pool.Now);

        var three = new RunThreads(threads: 3, items: 2);
        three.TryStart(out _);
        three.TryStart(out _);
        Assert.Equal(1, three.Now);               // 3 threads, 2 runs: one each (the spare is not split)
        three.Finished();
        Assert.Equal(3, three.Now);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void Results_come_back_in_the_items_order_and_every_run_is_told_a_count_within_the_threads(int threads)
    {
        var items = Enumerable.Range(0, 23).ToList();
        var told = new System.Collections.Concurrent.ConcurrentBag<int>();
        var progress = new System.Collections.Concurrent.ConcurrentBag<(int Done, int All)>();
        var results = ParallelRuns.Run(items, threads, (i, pool) =>
        {
            told.Add(pool.Now);
            Thread.SpinWait(1000 * (23 - i));
            told.Add(pool.Now);
            return i * i;
        }, (done, all) => progress.Add((done, all)));
        Assert.Equal(items.Select(i => i * i), results);
        Assert.All(told, n => Assert.InRange(n, 1, threads));
        Assert.Equal(Enumerable.Range(0, 24), progress.Select(p => p.Done).Order());
        Assert.All(progress, p => Assert.Equal(23, p.All));
    }

    /// <summary>When the first of two runs is done, the other is told it may use both threads.</summary>
    [Fact]
    public void The_last_run_going_is_told_it_has_every_thread()
    {
        var sawAll = ParallelRuns.Run([0, 1], 2, (i, pool) =>
        {
            if (i == 0) return true;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (pool.Now < 2 && clock.Elapsed < TimeSpan.FromSeconds(20)) Thread.Sleep(1);
            return pool.Now == 2;
        });
        Assert.True(sawAll[1], "the second run never got the first run's thread");
    }

    /// <summary>
    /// Items given as a run ends start before those still waiting, each item runs once, and the callback is called one
    /// run at a time; with one thread the order is exactly: 0, then what 0 gave, then 1.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Items_given_as_runs_end_start_next_and_all_run_once(int threads)
    {
        var started = new System.Collections.Concurrent.ConcurrentQueue<int>();
        int inCallback = 0, overlapped = 0;
        ParallelRuns.RunGrowing([0, 1, 2], threads, (i, pool) =>
        {
            started.Enqueue(i);
            Assert.InRange(pool.Now, 1, threads);
            Thread.SpinWait(20000 * (i % 5 + 1));
            return i * 10;
        }, (i, result) =>
        {
            if (Interlocked.Increment(ref inCallback) > 1) Interlocked.Increment(ref overlapped);
            Assert.Equal(i * 10, result);
            Thread.SpinWait(5000);
            Interlocked.Decrement(ref inCallback);
            // 0 gives 10 and 11; 10 gives 20; the others nothing.
            return i switch { 0 => [10, 11], 10 => [20], _ => [] };
        });
        Assert.Equal([0, 1, 2, 10, 11, 20], started.Order());
        Assert.Equal(0, overlapped);
        if (threads == 1) Assert.Equal([0, 10, 20, 11, 1, 2], started);
    }

    /// <summary>A worker with nothing to start waits for the run that may give it more, and a failing run stops the rest.</summary>
    [Fact]
    public void An_idle_worker_waits_for_what_a_run_gives_and_a_failure_ends_all()
    {
        var started = new System.Collections.Concurrent.ConcurrentQueue<int>();
        ParallelRuns.RunGrowing([0], 2, (i, pool) =>
        {
            started.Enqueue(i);
            if (i == 0) Thread.Sleep(50);
            return i;
        }, (i, _) => i < 3 ? [i + 1] : []);
        Assert.Equal([0, 1, 2, 3], started);

        var ex = Assert.ThrowsAny<Exception>(() => ParallelRuns.RunGrowing([0, 1, 2, 3, 4, 5], 2, (i, pool) =>
        {
            if (i == 1) throw new InvalidOperationException("run 1 failed");
            Thread.Sleep(5);
            return i;
        }, (i, _) => []));
        Assert.Contains("run 1 failed", ex.ToString());
    }
}
