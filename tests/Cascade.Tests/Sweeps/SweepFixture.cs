using System.Diagnostics;
using Cascade.Tests.Preflight;

namespace Cascade.Tests.Sweeps;

/// <summary>
/// A tiny sweep in a folder of its own (the list storm for one simulated minute: 20 and 400 nodes × the
/// agent's resourceVersion × 2 seeds, 8 cells of well under a second each), and the built `cascade` run as
/// a separate process, as shards are run on another machine or pod.
/// </summary>
public sealed class SweepFixture
{
    public const string Sweep =
        """
        apiVersion: cascade/v1
        kind: Sweep
        metadata:
          name: tiny
        scenario: ../list-storm.yaml
        set: [duration=1m]
        grid:
          - path: cluster.nodes
            values: [20, 400]
          - path: workloads[0].calls[0].resourceVersion
            values: ["", "0"]
        seeds: [1, 2]

        """;

    public SweepFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "cascade-sweep-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Root, "sweeps"));
        File.Copy(PreflightFixtures.ListStorm, Path.Combine(Root, "list-storm.yaml"));
        SweepFile = Write("sweeps/tiny.sweep.yaml", Sweep);
        var (code, stdout, err) = Cascade("sweep", "run", SweepFile, "--out", Dir("one"), "--threads", "2", "-q");
        Assert.True(code == 0, err);
        OneProcessTable = stdout;
    }

    public string Root { get; }
    public string SweepFile { get; }

    /// <summary>What `cascade sweep run SWEEP` in one process printed; its files are in <see cref="Dir"/>("one").</summary>
    public string OneProcessTable { get; }

    public string Dir(string name) => Path.Combine(Root, name);

    public string Write(string relative, string text)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>`cascade ARGS` as a process of its own, from the sweep's folder.</summary>
    public static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cascade.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        return Process.Start(start)!;
    }

    public static (int Code, string Out, string Err) Finish(Process p)
    {
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static (int Code, string Out, string Err) Cascade(params string[] args) => Finish(Start(args));
}
