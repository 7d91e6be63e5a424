using System.Diagnostics;
using System.Globalization;

namespace Cascade.Calibration.Etcd;

/// <summary>etcd's CPU and memory, read from /proc/&lt;pid&gt;.</summary>
sealed class ProcStats(int pid)
{
    public int Pid { get; } = pid;

    /// <summary>CPU seconds of all the process's threads, from each task's schedstat (ns resolution).</summary>
    public double CpuSeconds()
    {
        long ns = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{Pid}/task"))
        {
            try
            {
                string s = File.ReadAllText(Path.Combine(task, "schedstat"));
                ns += long.Parse(s.AsSpan(0, s.IndexOf(' ')), CultureInfo.InvariantCulture);
            }
            catch (IOException) { } // a thread that just exited
        }
        return ns / 1e9;
    }

    /// <summary>utime + stime from /proc/&lt;pid&gt;/stat, in seconds (USER_HZ = 100), as a cross-check.</summary>
    public double CpuTicksSeconds()
    {
        string s = File.ReadAllText($"/proc/{Pid}/stat");
        var f = s[(s.LastIndexOf(')') + 2)..].Split(' ');
        // after the comm: state is field 3, utime 14, stime 15 (1-based), i.e. f[11], f[12]
        return (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>(VmRSS, RssAnon) in bytes.</summary>
    public (long VmRss, long RssAnon) Memory()
    {
        long vm = 0, anon = 0;
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) vm = Kb(line);
            else if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anon = Kb(line);
        }
        return (vm, anon);
    }

    /// <summary>"Name:   1234 kB" in bytes, or 0 when the line is torn (procfs regenerates the file on each
    /// read, so a reading can catch it mid-change).</summary>
    static long Kb(string line)
    {
        var f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return f.Length >= 2 && long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kb) ? kb * 1024 : 0;
    }

    /// <summary>Busy CPU seconds of the whole machine (all of /proc/stat's cpu line but idle and iowait),
    /// to tell whether something else ran during a cell.</summary>
    public static double MachineBusySeconds()
    {
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long busy = 0;
        for (int i = 1; i < Math.Min(f.Length, 9); i++)
            if (i != 4 && i != 5) busy += long.Parse(f[i], CultureInfo.InvariantCulture);
        return busy / 100.0;
    }

    public static long MemAvailable()
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
            if (line.StartsWith("MemAvailable:", StringComparison.Ordinal)) return Kb(line);
        return long.MaxValue;
    }

    /// <summary>Waits (at most <paramref name="max"/>) until etcd's anonymous RSS stops moving by more
    /// than 1 % over 2 s; returns the last reading.</summary>
    public long Settle(TimeSpan max)
    {
        var sw = Stopwatch.StartNew();
        var window = new Queue<long>();
        while (true)
        {
            long a = Memory().RssAnon;
            window.Enqueue(a);
            if (window.Count > 8) window.Dequeue();
            if (window.Count == 8 && window.Max() - window.Min() <= window.Max() / 100) return a;
            if (sw.Elapsed > max) return a;
            Thread.Sleep(250);
        }
    }
}

/// <summary>Samples etcd's RSS every ~10 ms on its own thread and keeps the peak: VmHWM is monotonic
/// over the process's life, so a per-cell peak has to be sampled.</summary>
sealed class RssSampler : IDisposable
{
    readonly ProcStats proc;
    readonly Thread thread;
    volatile bool stop;
    long peakVm, peakAnon;

    public RssSampler(ProcStats proc)
    {
        this.proc = proc;
        (peakVm, peakAnon) = proc.Memory();
        thread = new Thread(Loop) { IsBackground = true, Name = "rss-sampler" };
        thread.Start();
    }

    void Loop()
    {
        while (!stop)
        {
            long vm = 0, anon = 0;
            try { (vm, anon) = proc.Memory(); } catch (IOException) { }
            if (vm > peakVm) peakVm = vm;
            if (anon > peakAnon) peakAnon = anon;
            Thread.Sleep(10);
        }
    }

    public (long VmRss, long RssAnon) Stop()
    {
        stop = true;
        thread.Join();
        var (vm, anon) = proc.Memory();
        return (Math.Max(vm, peakVm), Math.Max(anon, peakAnon));
    }

    public void Dispose() { if (!stop) Stop(); }
}
