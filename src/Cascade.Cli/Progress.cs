using System.Diagnostics;
using Cascade.Scenarios;

namespace Cascade.Cli;

/// <summary>Progress on stderr (simulated time, events/s) for runs longer than a second, only on a terminal and never with --quiet.</summary>
public static class Progress
{
    private static bool _shown;

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
            Console.Error.Write($"\r  simulated {Clock(p.SimulatedSeconds)} of {Clock(p.TotalSeconds)}  {p.Events / wall / 1e6:F1}M events/s   ");
        };
    }

    public static void Done(bool quiet)
    {
        if (_shown && !quiet) Console.Error.Write("\r" + new string(' ', 70) + "\r");
        _shown = false;
    }

    public static string Clock(double seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m" : $"{t.Minutes}m{t.Seconds:D2}s";
    }
}

/// <summary>A one-line status on stderr for verbs that run many simulations, only on a terminal and never with --quiet.</summary>
public static class StatusLine
{
    private static readonly Lock Gate = new();
    private static bool _shown;

    public static void Show(bool quiet, string text)
    {
        if (quiet || Console.IsErrorRedirected) return;
        lock (Gate)
        {
            Console.Error.Write("\r  " + (text.Length > 76 ? text[..76] : text.PadRight(76)));
            _shown = true;
        }
    }

    public static void Clear()
    {
        lock (Gate)
        {
            if (_shown) Console.Error.Write("\r" + new string(' ', 80) + "\r");
            _shown = false;
        }
    }
}
