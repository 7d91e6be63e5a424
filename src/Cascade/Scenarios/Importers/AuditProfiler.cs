namespace Cascade.Scenarios.Importers;

// Stands for: what a platform engineer reads out of a staging cluster's audit log by hand — who calls the API
// server, with which requests, how often, from how many pods and nodes. Keeps, per identity and per request
// shape (AuditCall), counters; per identity, the distinct callers, source IPs and nodes as hashes. Counts a
// request once: at its ResponseComplete (or Panic) Event, or, for a request the log shows no final stage of,
// at the last stage seen. Leaves out latencies, response codes and request bodies.

/// <summary>
/// The bounds that keep a profile's memory independent of the log's length: every counter is per (identity,
/// call), and what grows with the callers is capped. Past a bound the profile keeps counting requests and says
/// which figures became lower bounds.
/// </summary>
/// <param name="Identities">Distinct users profiled; later ones' requests are counted as unprofiled.</param>
/// <param name="CallsPerIdentity">Distinct request shapes per identity; later ones' requests are counted as overflow.</param>
/// <param name="DistinctValues">Distinct callers, source IPs and node names kept over all identities (8 bytes each, plus the hash set's overhead: about 40 MB at the default).</param>
/// <param name="OpenRequests">Requests seen at a first stage (RequestReceived, ResponseStarted) and waiting for their last; past it the oldest is dropped, not counted.</param>
public sealed record AuditProfileLimits(int Identities = 1000, int CallsPerIdentity = 200, long DistinctValues = 1_000_000, int OpenRequests = 100_000)
{
    public static readonly AuditProfileLimits Default = new();
}

/// <summary>A malformed line: its number, the column of the fault (0 when the line is JSON but no Event), and what is wrong.</summary>
public readonly record struct MalformedLine(long Line, int Column, string Problem);

/// <summary>Counters of one request shape of one identity.</summary>
public sealed class CallStats(ValueBudget budget)
{
    public long Requests { get; internal set; }
    public long ResponseBytes { get; internal set; }
    public long Responses { get; internal set; }
    public long Items { get; internal set; }
    public long ItemResponses { get; internal set; }

    /// <summary>The values spec.nodeName=X took.</summary>
    public BoundedSet SelectorNodes { get; } = new(budget);
}

/// <summary>Everything the profile keeps of one identity (a user name; all kubelets are one, `system:node:*`).</summary>
public sealed class IdentityStats(string user, IReadOnlyList<string> groups, ValueBudget budget)
{
    public const int UserAgentsKept = 8;

    public string User { get; } = user;
    public IReadOnlyList<string> Groups { get; } = groups;
    public long Requests { get; internal set; }
    public long NonResourceRequests { get; internal set; }

    /// <summary>Requests of shapes past <see cref="AuditProfileLimits.CallsPerIdentity"/>.</summary>
    public long OverflowRequests { get; internal set; }

    /// <summary>Callers: the pod (user.extra pod-name), else the node, else the source IP.</summary>
    public CallerSet Callers { get; } = new(budget);
    public BoundedSet SourceIps { get; } = new(budget);

    /// <summary>Nodes its pods ran on (user.extra node-name).</summary>
    public BoundedSet Nodes { get; } = new(budget);
    public BoundedSet SelectorNodes { get; } = new(budget);
    public bool HasPodNames { get; internal set; }
    public Dictionary<string, long> UserAgents { get; } = new(StringComparer.Ordinal);
    public Dictionary<AuditCall, CallStats> Calls { get; } = new();
}

/// <summary>A profile of an audit log: per identity and call, the counters, and what the log held besides.</summary>
public sealed class AuditProfile
{
    public required string Source { get; init; }
    public long Lines { get; init; }
    public long Events { get; init; }
    public long Requests { get; init; }
    public long MalformedCount { get; init; }
    public required IReadOnlyList<MalformedLine> FirstMalformed { get; init; }
    public DateTimeOffset? First { get; init; }
    public DateTimeOffset? Last { get; init; }
    public required IReadOnlyList<IdentityStats> Identities { get; init; }

    /// <summary>Source IPs of the kubelets (system:node:*): a caller from one of them runs on a node's network (a hostNetwork DaemonSet's pod does).</summary>
    public required BoundedSet NodeIps { get; init; }
    public long UnprofiledRequests { get; init; }
    public long DroppedOpenRequests { get; init; }
    public required ValueBudget Budget { get; init; }
    public required AuditProfileLimits Limits { get; init; }

    /// <summary>The log's span: first to last request received (at least a second, for a log of one moment).</summary>
    public double WindowSeconds => First is { } a && Last is { } b ? Math.Max(1, (b - a).TotalSeconds) : 1;
}

/// <summary>Streams an audit log once, line by line, into an <see cref="AuditProfile"/>.</summary>
public sealed class AuditProfiler
{
    public const int MalformedKept = 5;
    public const string Kubelets = "system:node:*";

    private readonly AuditProfileLimits _limits;
    private readonly ValueBudget _budget;
    private readonly Dictionary<string, IdentityStats> _identities = new(StringComparer.Ordinal);
    private readonly BoundedSet _nodeIps;
    private readonly Dictionary<string, Observation> _open = new(StringComparer.Ordinal);
    private readonly Queue<string> _openOrder = new();
    private readonly List<MalformedLine> _malformed = new();
    private long _malformedCount, _events, _requests, _unprofiled, _dropped;
    private DateTimeOffset? _first, _last;

    private AuditProfiler(AuditProfileLimits limits)
    {
        _limits = limits;
        _budget = new ValueBudget(limits.DistinctValues);
        _nodeIps = new BoundedSet(_budget);
    }

    /// <summary>What one request contributes, kept for a request whose final stage has not come yet.</summary>
    private sealed record Observation(string User, string[] Groups, AuditCall? Call, string? SelectorNode, string? Caller, string? SourceIp,
        string? NodeName, bool HasPodName, string? UserAgent, long ResponseBytes, int ResponseItems, DateTimeOffset? Received);

    public static AuditProfile ProfileFile(string path, AuditProfileLimits? limits = null)
    {
        using var stream = InputFile.Open(path);
        return Profile(stream, path, limits);
    }

    /// <summary>
    /// Profiles a stream of audit Events. Throws an <see cref="InputException"/> at the first malformed line when no
    /// line is an Event, or at line 1 when there is no line.
    /// </summary>
    public static AuditProfile Profile(Stream stream, string source, AuditProfileLimits? limits = null)
    {
        var p = new AuditProfiler(limits ?? AuditProfileLimits.Default);
        using var lines = new LineReader(stream);
        var e = new AuditEvent();
        while (lines.Next(out var line))
        {
            if (lines.LastLineTooLong)
            {
                p.Malformed(lines.LineNumber, 0, $"longer than {LineReader.MaxLineBytes >> 20} MiB");
                continue;
            }
            if (line.Trim(" \t"u8).IsEmpty) continue;
            if (!e.TryRead(line, out var error, out int column))
            {
                p.Malformed(lines.LineNumber, column, error);
                continue;
            }
            p._events++;
            p.Observe(e);
        }
        if (p._events == 0)
        {
            if (p._malformed.Count == 0) throw new InputException("no audit Events: the log is empty", source, 1);
            var m = p._malformed[0];
            throw new InputException($"no audit Events in {lines.LineNumber:N0} lines ({p._malformedCount:N0} malformed); the first: {m.Problem}", source, (int)Math.Min(m.Line, int.MaxValue), m.Column);
        }
        // Requests whose last stage the log does not show count once, at the stage it does show.
        foreach (var id in p._openOrder)
            if (p._open.Remove(id, out var o)) p.Count(o);
        var identities = p._identities.Values.ToList();
        identities.Sort((a, b) => string.CompareOrdinal(a.User, b.User));
        return new AuditProfile
        {
            Source = source, Lines = lines.LineNumber, Events = p._events, Requests = p._requests,
            MalformedCount = p._malformedCount, FirstMalformed = p._malformed, First = p._first, Last = p._last,
            Identities = identities, NodeIps = p._nodeIps, UnprofiledRequests = p._unprofiled, DroppedOpenRequests = p._dropped,
            Budget = p._budget, Limits = p._limits,
        };
    }

    private void Malformed(long line, int column, string problem)
    {
        _malformedCount++;
        if (_malformed.Count < MalformedKept) _malformed.Add(new MalformedLine(line, column, problem));
    }

    private void Observe(AuditEvent e)
    {
        string user = e.User!;
        string? caller = e.PodName ?? e.NodeName;
        if (user.StartsWith("system:node:", StringComparison.Ordinal))
        {
            caller ??= user["system:node:".Length..];
            user = Kubelets;
        }
        AuditCall? call = null;
        string? selectorNode = null;
        if (e.HasObjectRef && e.Resource is not null) call = AuditCall.Of(e, out selectorNode);
        caller ??= selectorNode ?? e.SourceIp;
        var o = new Observation(user, e.Groups.ToArray(), call, selectorNode, caller, e.SourceIp, e.NodeName ?? selectorNode,
            e.PodName is not null, e.UserAgent, e.ResponseBytes, e.ResponseItems, e.Received);
        string id = e.AuditId!;
        if (e.IsFinalStage)
        {
            _open.Remove(id);
            Count(o);
            return;
        }
        if (_open.ContainsKey(id))
        {
            _open[id] = o;
            return;
        }
        if (_open.Count >= _limits.OpenRequests) DropOldestOpen();
        _open[id] = o;
        _openOrder.Enqueue(id);
        // The queue also holds IDs completed since: rebuild it before it outgrows the open requests twice over.
        if (_openOrder.Count > 2 * Math.Max(_limits.OpenRequests, 16))
        {
            var still = _openOrder.Where(_open.ContainsKey).Distinct().ToList();
            _openOrder.Clear();
            foreach (var s in still) _openOrder.Enqueue(s);
        }
    }

    private void DropOldestOpen()
    {
        while (_openOrder.TryDequeue(out var oldest))
            if (_open.Remove(oldest))
            {
                _dropped++;
                return;
            }
    }

    private void Count(Observation o)
    {
        _requests++;
        if (o.Received is { } t)
        {
            if (_first is null || t < _first) _first = t;
            if (_last is null || t > _last) _last = t;
        }
        if (!_identities.TryGetValue(o.User, out var s))
        {
            if (_identities.Count >= _limits.Identities)
            {
                _unprofiled++;
                return;
            }
            var groups = o.Groups.Distinct().ToList();
            groups.Sort(StringComparer.Ordinal);
            s = new IdentityStats(o.User, groups, _budget);
            _identities.Add(o.User, s);
        }
        s.Requests++;
        s.Callers.Add(o.Caller, o.Received);
        s.SourceIps.Add(o.SourceIp);
        s.Nodes.Add(o.NodeName);
        s.HasPodNames |= o.HasPodName;
        if (o.User == Kubelets) _nodeIps.Add(o.SourceIp);
        if (o.UserAgent is { } ua)
        {
            if (s.UserAgents.TryGetValue(ua, out long n)) s.UserAgents[ua] = n + 1;
            else if (s.UserAgents.Count < IdentityStats.UserAgentsKept) s.UserAgents[ua] = 1;
        }
        if (o.Call is not { } call)
        {
            s.NonResourceRequests++;
            return;
        }
        if (!s.Calls.TryGetValue(call, out var c))
        {
            if (s.Calls.Count >= _limits.CallsPerIdentity)
            {
                s.OverflowRequests++;
                return;
            }
            c = new CallStats(_budget);
            s.Calls.Add(call, c);
        }
        c.Requests++;
        c.SelectorNodes.Add(o.SelectorNode);
        s.SelectorNodes.Add(o.SelectorNode);
        if (o.ResponseBytes >= 0)
        {
            c.Responses++;
            c.ResponseBytes += o.ResponseBytes;
        }
        if (o.ResponseItems >= 0)
        {
            c.ItemResponses++;
            c.Items += o.ResponseItems;
        }
    }
}
