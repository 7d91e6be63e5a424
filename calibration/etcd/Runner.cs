using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Cascade.Calibration.Etcd;

/// <summary>All: load and measure in one etcd. Load: load (and flush the raft log), then stop; Measure:
/// measure what is loaded. run.sh restarts etcd between the two, so that the Go heap the load grew is
/// gone and the base memory is etcd's own (its key index and the db's mapping).</summary>
enum RunPhase { All, Load, Measure }

sealed record RunOptions
{
    public RunPhase Phase { get; init; } = RunPhase.All;
    public string Endpoint { get; init; } = "http://127.0.0.1:23790";
    public int EtcdPid { get; init; }
    public string OutCsv { get; init; } = "calibration/etcd/etcd-ranges.csv";
    public string? MachineFile { get; init; } = "calibration/etcd/machine.txt";
    public int[] Objects { get; init; } = [10_000, 50_000, 150_000];
    public int[] ValueBytes { get; init; } = [2048, 20480];
    public int[] Concurrency { get; init; } = [1, 2, 4, 8, 16, 32, 64];
    /// <summary>Concurrencies at which serializable ranges are measured beside linearizable ones.</summary>
    public int[] SerializableAt { get; init; } = [1, 8];
    public int RepsLow { get; init; } = 3;   // c ≤ 8
    public int RepsHigh { get; init; } = 2;  // c > 8
    /// <summary>Skip a cell whose ranges in flight would hold more than this many response bytes.</summary>
    public long MaxInflightBytes { get; init; } = 2_600_000_000;
    public bool Flush { get; init; } = true;
    /// <summary>Extra attempts at a repetition that ran while other processes loaded the machine.</summary>
    public int Retries { get; init; } = 1;
    /// <summary>Append to the CSV (run.sh measures each dataset on a fresh etcd and appends).</summary>
    public bool Append { get; init; }
    public bool Quick { get; init; }
    public TimeSpan RangeTimeout { get; init; } = TimeSpan.FromSeconds(180);
}

/// <summary>Loads pod-sized values into etcd and fires concurrent full-prefix ranges at them.</summary>
sealed class Runner(RunOptions o)
{
    static readonly byte[] Prefix = EtcdGrpc.Utf8("/registry/pods/");
    const long GrpcMaxMessage = int.MaxValue; // etcd's server sets grpc.MaxSendMsgSize(math.MaxInt32)

    readonly EtcdGrpc etcd = new(o.Endpoint);
    readonly ProcStats proc = new(o.EtcdPid);
    readonly List<string> rows = [];

    /// <summary>Rows go to the CSV as they are measured, so a run cut short keeps what it measured.</summary>
    void Add(string row)
    {
        rows.Add(row);
        File.AppendAllText(o.OutCsv, row + "\n");
    }

    public static readonly string CsvHeader = string.Join(',',
        "status", "objects", "value_bytes", "stored_bytes", "response_bytes", "concurrency", "read", "rep",
        "lat_p50_s", "lat_mean_s", "lat_max_s", "headers_p50_s", "wall_s", "throughput_Bps",
        "etcd_cpu_s", "etcd_cpu_ticks_s", "client_cpu_s", "other_cpu_s",
        "rss_anon_base", "rss_anon_before", "rss_anon_peak", "vmrss_before", "vmrss_peak", "db_bytes");

    static string F(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);

    public async Task<int> RunAsync()
    {
        var total = Stopwatch.StartNew();
        string version = "";
        for (int attempt = 1; ; attempt++) // etcd may still be electing itself
        {
            try { version = (await StatusAsync()).Version; if (version.Length > 0) break; }
            catch (Exception e) when (attempt < 50 && e is IOException or HttpRequestException) { }
            await Task.Delay(200);
        }
        Console.WriteLine($"etcd {version} at {o.Endpoint}, pid {o.EtcdPid}");
        if (o.MachineFile is not null && o.Phase != RunPhase.Load) WriteMachine(version);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(o.OutCsv))!);
        if (o.Phase != RunPhase.Load && !o.Append || !File.Exists(o.OutCsv)) File.WriteAllText(o.OutCsv, CsvHeader + "\n");
        int failures = 0;

        foreach (int size in o.ValueBytes)
        {
            if (o.Phase == RunPhase.All) await ClearAsync();
            int loaded = 0;
            foreach (int n in o.Objects.Order())
            {
                long stored = (long)n * size;
                if (stored + n * 64L > GrpcMaxMessage)
                {
                    Console.WriteLine($"skip {n} x {size} B: a full range would exceed gRPC's 2 GiB message limit");
                    if (o.Phase != RunPhase.Load) foreach (int c in o.Concurrency) Skip("skipped-grpc-2GiB", n, size, c);
                    continue;
                }
                if (o.Phase != RunPhase.Measure)
                {
                    var sw = Stopwatch.StartNew();
                    await LoadAsync(loaded, n, size);
                    loaded = n;
                    Console.WriteLine($"loaded {n} x {size} B in {sw.Elapsed.TotalSeconds:0.0} s");
                    if (o.Flush) await FlushRaftLogAsync();
                }
                if (o.Phase == RunPhase.Load) continue;
                long count = await CountAsync();
                if (count != n) throw new InvalidOperationException($"etcd holds {count} keys under the prefix, expected {n}");
                long baseAnon = proc.Settle(TimeSpan.FromSeconds(o.Quick ? 2 : 20));
                var (_, db) = await StatusAsync(); // after the backend's batch commit (100 ms)
                // warm-up range (not recorded): maps the db's pages into etcd
                var warm = await etcd.RangeDiscardAsync(EtcdRequests.Range(Prefix, EtcdRequests.PrefixEnd(Prefix), false), new byte[1 << 20], CancellationToken.None);
                Console.WriteLine($"  base RssAnon {baseAnon / 1e6:0} MB, db {db / 1e6:0} MB, response {warm.ResponseBytes / 1e6:0.0} MB, warm-up {warm.TotalSeconds:0.000} s");

                foreach (int c in o.Concurrency)
                {
                    foreach (bool serializable in o.SerializableAt.Contains(c) ? new[] { false, true } : [false])
                    {
                        string read = serializable ? "serializable" : "linearizable";
                        long inflight = c * warm.ResponseBytes;
                        long need = 4 * inflight + (2L << 30);
                        if (inflight > o.MaxInflightBytes || ProcStats.MemAvailable() < need)
                        {
                            Console.WriteLine($"  skip c={c} {read}: {inflight / 1e9:0.00} GB in flight (limit {o.MaxInflightBytes / 1e9:0.0} GB, available {ProcStats.MemAvailable() / 1e9:0.0} GB)");
                            Skip("skipped-memory", n, size, c, warm.ResponseBytes, read, db);
                            continue;
                        }
                        int reps = c <= 8 ? o.RepsLow : o.RepsHigh;
                        for (int rep = 1; rep <= reps; rep++)
                        {
                            try
                            {
                                // The machine is shared: a repetition during which other processes used more
                                // than a quarter of it is kept as "contended" and tried again (at most 3 times).
                                for (int attempt = 1; ; attempt++)
                                {
                                    bool quiet = await CellAsync(n, size, c, serializable, rep, baseAnon, db, last: attempt > o.Retries);
                                    if (quiet || attempt > o.Retries) break;
                                    await Task.Delay(1000);
                                }
                            }
                            catch (Exception e) when (e is IOException or OperationCanceledException or HttpRequestException)
                            {
                                failures++;
                                Console.WriteLine($"  c={c} rep {rep}: {e.Message}");
                                Skip("failed", n, size, c, warm.ResponseBytes, read, db);
                            }
                        }
                    }
                }
            }
        }
        Console.WriteLine($"wrote {rows.Count} rows to {o.OutCsv} in {total.Elapsed.TotalSeconds:0.0} s ({failures} failed ranges)");
        return failures == 0 ? 0 : 1;
    }

    void Skip(string status, int n, int size, int c, long response = 0, string read = "linearizable", long db = 0) =>
        Add(string.Join(',', status, n, size, (long)n * size, response, c, read, 0,
            "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", db));

    /// <summary>One repetition; returns whether it ran quiet (others used ≤ 25 % of the machine). A noisy
    /// repetition is recorded with status "contended" unless it is the last attempt.</summary>
    async Task<bool> CellAsync(int n, int size, int c, bool serializable, int rep, long baseAnon, long db, bool last)
    {
        byte[] req = EtcdRequests.Range(Prefix, EtcdRequests.PrefixEnd(Prefix), serializable);
        var buffers = Enumerable.Range(0, c).Select(_ => new byte[1 << 20]).ToArray();
        var self = Process.GetCurrentProcess();
        var (vmBefore, anonBefore) = proc.Memory();
        double cpu0 = proc.CpuSeconds(), ticks0 = proc.CpuTicksSeconds(), busy0 = ProcStats.MachineBusySeconds();
        self.Refresh();
        var client0 = self.TotalProcessorTime;
        using var sampler = new RssSampler(proc);
        using var cts = new CancellationTokenSource(o.RangeTimeout);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long t0 = Stopwatch.GetTimestamp();
        var tasks = buffers.Select(b => Task.Run(async () =>
        {
            await start.Task;
            return await etcd.RangeDiscardAsync(req, b, cts.Token);
        })).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(tasks);
        double wall = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        var (vmPeak, anonPeak) = sampler.Stop();
        double cpu = proc.CpuSeconds() - cpu0, ticks = proc.CpuTicksSeconds() - ticks0;
        self.Refresh();
        double client = (self.TotalProcessorTime - client0).TotalSeconds;
        double other = Math.Max(0, ProcStats.MachineBusySeconds() - busy0 - ticks - client);

        var lat = results.Select(r => r.TotalSeconds).Order().ToArray();
        var hdr = results.Select(r => r.HeadersSeconds).Order().ToArray();
        long resp = results[0].ResponseBytes;
        if (results.Any(r => r.ResponseBytes != resp)) throw new IOException("ranges returned different sizes");
        double p50 = Median(lat);
        bool quiet = other <= 0.25 * Environment.ProcessorCount * wall;
        Add(string.Join(',', quiet || last ? "ok" : "contended", n, size, (long)n * size, resp, c, serializable ? "serializable" : "linearizable", rep,
            F(p50), F(lat.Average()), F(lat[^1]), F(Median(hdr)), F(wall), F(c * resp / wall),
            F(cpu), F(ticks), F(client), F(other), baseAnon, anonBefore, anonPeak, vmBefore, vmPeak, db));
        Console.WriteLine($"  {n}x{size} c={c,2} {(serializable ? "ser" : "lin")} rep {rep}: p50 {p50:0.000} s max {lat[^1]:0.000} s wall {wall:0.000} s " +
            $"{c * resp / wall / 1e6:0} MB/s etcd cpu {cpu:0.00} s client cpu {client:0.00} s other {other:0.00} s anon peak +{(anonPeak - baseAnon) / 1e6:0} MB{(quiet ? "" : " (contended)")}");
        return quiet;
    }

    static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

    /// <summary>Objects [from, to) of the given size, as transactions of ~1 MB, four in flight. Values are
    /// random (incompressible), from a fixed seed per object so every run loads the same bytes.</summary>
    async Task LoadAsync(int from, int to, int size)
    {
        int perTxn = Math.Clamp(1_000_000 / (size + 64), 1, 1000);
        var batches = new List<(int, int)>();
        for (int i = from; i < to; i += perTxn) batches.Add((i, Math.Min(to, i + perTxn)));
        int next = -1;
        async Task Worker()
        {
            int b;
            while ((b = Interlocked.Increment(ref next)) < batches.Count)
            {
                var (lo, hi) = batches[b];
                var puts = new List<byte[]>(hi - lo);
                var value = new byte[size];
                for (int i = lo; i < hi; i++)
                {
                    new Random(i * 31 + size).NextBytes(value);
                    puts.Add(EtcdRequests.Put(EtcdGrpc.Utf8($"/registry/pods/ns-{i % 100:D3}/pod-{i:D7}"), value));
                }
                await etcd.UnaryAsync("etcdserverpb.KV/Txn", EtcdRequests.TxnPuts(puts));
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(Worker)));
    }

    /// <summary>etcd keeps the last 5,000 raft entries in memory after a snapshot; the load's entries are
    /// ~1 MB transactions, which an API server's writes are not. Push them out with small writes.</summary>
    async Task FlushRaftLogAsync()
    {
        var sw = Stopwatch.StartNew();
        int next = -1;
        byte[] put = EtcdRequests.Put(EtcdGrpc.Utf8("/calibration/flush"), new byte[16]);
        async Task Worker()
        {
            while (Interlocked.Increment(ref next) < 7000) await etcd.UnaryAsync("etcdserverpb.KV/Put", put);
        }
        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(Worker)));
        Console.WriteLine($"  flushed the raft log (7,000 small puts) in {sw.Elapsed.TotalSeconds:0.0} s");
    }

    async Task<long> CountAsync()
    {
        var r = await etcd.UnaryAsync("etcdserverpb.KV/Range", EtcdRequests.Range(Prefix, EtcdRequests.PrefixEnd(Prefix), false, countOnly: true));
        return (long)Pb.Get(r, 4); // RangeResponse.count
    }

    /// <summary>Deletes the prefix, compacts and defragments, so each value size starts from an empty db.</summary>
    async Task ClearAsync()
    {
        var r = await etcd.UnaryAsync("etcdserverpb.KV/DeleteRange", EtcdRequests.DeleteRange(Prefix, EtcdRequests.PrefixEnd(Prefix)));
        long rev = (long)Pb.Get(Pb.GetBytes(r, 1), 3); // header.revision
        if (rev > 1)
        {
            await etcd.UnaryAsync("etcdserverpb.KV/Compact", EtcdRequests.Compact(rev));
            await etcd.UnaryAsync("etcdserverpb.Maintenance/Defragment", []);
        }
    }

    async Task<(string Version, long DbBytes)> StatusAsync()
    {
        var r = await etcd.UnaryAsync("etcdserverpb.Maintenance/Status", []);
        return (Encoding.UTF8.GetString(Pb.GetBytes(r, 2).Span), (long)Pb.Get(r, 3));
    }

    void WriteMachine(string version)
    {
        string cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        long memKb = File.ReadLines("/proc/meminfo").Where(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)).FirstOrDefault();
        string kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "?";
        var sb = new StringBuilder();
        sb.AppendLine("# Machine the etcd calibration (etcd-ranges.csv) was measured on");
        sb.AppendLine($"date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC (the last dataset's start)");
        sb.AppendLine($"nproc: {Environment.ProcessorCount}");
        sb.AppendLine($"cpu: {cpu}");
        sb.AppendLine($"memory: {memKb / 1024.0 / 1024.0:0.0} GiB");
        sb.AppendLine($"kernel: {kernel}");
        sb.AppendLine($"load average when written: {File.ReadAllText("/proc/loadavg").Trim()}");
        sb.AppendLine($"etcd: {version} (Debian etcd-server), one member on 127.0.0.1, GOMAXPROCS default (= nproc)");
        sb.AppendLine($"client: .NET {Environment.Version}, gRPC over one h2c connection, responses discarded unparsed");
        var g = new RunOptions(); // run.sh measures the default grid one dataset per etcd
        sb.AppendLine($"grid: objects {string.Join('/', g.Objects)} x value bytes {string.Join('/', g.ValueBytes)} x concurrency {string.Join('/', o.Concurrency)}; " +
            $"{o.RepsLow} reps for c <= 8, {o.RepsHigh} above; serializable also at c = {string.Join('/', o.SerializableAt)}");
        File.WriteAllText(o.MachineFile!, sb.ToString());
    }
}
