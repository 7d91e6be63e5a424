namespace Cascade.ControlPlane.Apf;

// Stands for: droppedRequestsStats in staging/src/k8s.io/apiserver/pkg/util/flowcontrol/dropped_requests_tracker.go,
// the per-priority-level Retry-After of APF's 429s (upstream since 1.29). docs/sources.md §2.4: starts at 1 s,
// doubles up to 32 s under sustained drops, decays by 1 s. The exact rule, kept here: drops are counted per
// whole second; when the first drop of a new second arrives, look at the drops of the last retryAfter seconds
// before it: ≥ 3 × retryAfter (and ≥ retryAfter seconds since the last increase) doubles it, capped at 32;
// fewer than retryAfter lowers it by 1. Nothing changes between drops. Left out: nothing; the history is a
// fixed ring instead of a slice, so recording a drop allocates nothing.

internal struct DroppedRequestsTracker
{
    // dropped_requests_tracker.go maxRetryAfter: docs/sources.md §2.4 Retry-After at most 32 s.
    public const long MaxRetryAfterSeconds = 32;
    private const int HistoryCapacity = 64;  // > MaxRetryAfterSeconds + 1 distinct seconds

    private long[]? _historyUnix;
    private long[]? _historyCount;
    private int _historyStart, _historyLength;
    private long _currentUnix, _currentCount;
    private long _retryAfter;
    private long _retryAfterUpdateUnix;

    public void Start()
    {
        _historyUnix ??= new long[HistoryCapacity];
        _historyCount ??= new long[HistoryCapacity];
        _historyStart = _historyLength = 0;
        _currentUnix = _currentCount = 0;
        _retryAfter = 1;  // docs/sources.md §2.4: Retry-After starts at 1 s.
        _retryAfterUpdateUnix = 0;
    }

    public long RetryAfterSeconds => _retryAfter;

    public void RecordDroppedRequest(long unixSeconds)
    {
        if (_currentUnix == unixSeconds)
        {
            _currentCount++;
            return;
        }
        UpdateHistory(_currentUnix, _currentCount);
        _currentUnix = unixSeconds;
        _currentCount = 1;
        UpdateRetryAfterIfNeeded(unixSeconds);
    }

    private void UpdateHistory(long unix, long count)
    {
        if (_historyLength == HistoryCapacity) { _historyStart = (_historyStart + 1) % HistoryCapacity; _historyLength--; }
        int at = (_historyStart + _historyLength) % HistoryCapacity;
        _historyUnix![at] = unix;
        _historyCount![at] = count;
        _historyLength++;
        while (_historyLength > 0 && unix - _historyUnix[_historyStart] > MaxRetryAfterSeconds)
        {
            _historyStart = (_historyStart + 1) % HistoryCapacity;
            _historyLength--;
        }
    }

    private void UpdateRetryAfterIfNeeded(long unix)
    {
        long retryAfter = _retryAfter;
        long dropped = 0;
        for (int k = _historyLength - 1; k >= 0; k--)
        {
            int at = (_historyStart + k) % HistoryCapacity;
            if (unix - _historyUnix![at] > retryAfter) break;
            if (_historyUnix[at] < unix) dropped += _historyCount![at];
        }
        if (unix - _retryAfterUpdateUnix >= retryAfter && dropped >= 3 * retryAfter)
        {
            _retryAfter = Math.Min(retryAfter * 2, MaxRetryAfterSeconds);
            _retryAfterUpdateUnix = unix;
            return;
        }
        if (dropped < retryAfter && retryAfter > 1) _retryAfter = retryAfter - 1;
    }
}
