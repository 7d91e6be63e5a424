using System.Diagnostics;
using System.Globalization;
using Cascade.Scenarios;
using Cascade.Results;

namespace Cascade.Cli;

/// <summary>
/// Progress on stderr (simulated time, events/s, time left) for runs longer than a second, only on a terminal
/// and never with --quiet; a run estimated to take longer than <see cref="AnnounceWallSeconds"/> also says its
/// estimate before it starts.
/// </summary>
public static class Progress
{
    private static bool _shown;

    public const double AnnounceWallSeconds = 10;

    /// <summary>The estimate, before a run that will take a while, so that a user can stop it at once.</summary>
    public static void Announce(bool quiet, RunEstimate estimate)
    {
        if (quiet || Console.IsErrorRedirected || estimate.WallSeconds < AnnounceWallSeconds) return;
        Console.Error.WriteLine($"  estimated {estimate.Events:0.#e0} events, {estimate.MemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB, about {RunGuard.Wall(estimate.WallSeconds)} on one core");
    }

    public static Action<RunProgress>? Reporter(bool quiet, Stopwatch watch)
    {
        if (quiet || Console.IsErrorRedirected) return null;
        _shown = false;
        double lastShown = 0;
        return p =>
        {
            double wall = watch.Elapsed.TotalSeconds;
            if (wall < 1 || wall - lastShown < 0.2) return;
            lastShown = wall;
            _shown = true;
            // Time left at the pace so far in simulated time: a storm ahead makes it optimistic.
            string left = p.SimulatedSeconds > 0 ? $"  about {Clock(wall * (p.TotalSeconds - p.SimulatedSeconds) / p.SimulatedSeconds)} left" : "";
            Console.Error.Write($"\r  simulated {Clock(p.SimulatedSeconds)} of {Clock(p.TotalSeconds)}  {p.Events / wall / 1e6:F1}M events/s{left}   ");
        };
    }

    public static void Done(bool quiet)
    {
        if (_shown && !quiet) Console.Error.Write("\r" + new string(' ', 90) + "\r");
        _shown = false;
    }

    public static string Clock(double seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : $"{t.Minutes}m{t.Seconds:D2}s";
    }

    /// <summary>
    /// A replay marker's minutes as every table prints them: to the tenth a marker carries (result.json rounds it
    /// so), a whole minute without its ".0" ("22.5", "204"), as report.html shows them. No table rounds a marker
    /// to whole minutes, where one rounding would show 22.5 as 22 and another as 23.
    /// </summary>
    public static string Minutes(double minutes) => minutes.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary><see cref="Minutes"/> with its sign, for a difference: "+0.5", "-4", "+0".</summary>
    public static string SignedMinutes(double minutes) => (minutes >= 0 ? "+" : "") + Minutes(minutes);
}

/// <summary>A one-line status on stderr for verbs that run many simulations, only on a terminal and never with --quiet.</summary>
public static class StatusLine
{
    private static readonly Lock Gate = new();
    private static bool _shown;

    public const double AnnounceWallSeconds = 10;

    /// <summary>The estimate, before a run that will take a while, so that a user can stop it at once.</summary>
    public static void Announce(bool quiet, RunEstimate estimate)
    {
        if (quiet || Console.IsErrorRedirected || estimate.WallSeconds < AnnounceWallSeconds) return;
        Console.Error.WriteLine($"  estimated {estimate.Events:0.#e0} events, {estimate.MemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB, about {RunGuard.Wall(estimate.WallSeconds)} on one core");
    }

    public static void Show(bool quiet, string text)
    {
        if (quiet || Console.IsErrorRedirected) return;
        lock (Gate)
        {
            Console.Error.Write("\r  " + (text.Length > 76 ? text[..76] : text.PadRight(76)));
            _shown = true;
        }
    }

    /// <summary>"3 of 14 runs done, 95 s, about 5m30s left": the time left at the pace of the runs done so far.</summary>
    public static string Runs(int done, int total, double wallSeconds) =>
        $"{done} of {total} runs done, {wallSeconds:F0} s" + (done > 0 && done < total ? $", about {Progress.Clock(wallSeconds * (total - done) / done)} left" : "");

    public static void Clear()
    {
        lock (Gate)
        {
            if (_shown) Console.Error.Write("\r" + new string(' ', 80) + "\r");
            _shown = false;
        }
    }
}
