namespace Cascade.ControlPlane;

/// <summary>Whoever holds a watch hears when it breaks (its replica died).</summary>
public interface IWatcher
{
    void OnWatchBroken(long tag);
}

/// <summary>
/// The open watches of one replica: who holds them and how many per resource. The count feeds the work
/// estimator (a write to a resource with many watchers holds extra seats while the change fans out);
/// the holders are told when the replica dies so their informers relist.
/// </summary>
internal sealed class WatchRegistry
{
    private IWatcher?[] _holder = new IWatcher?[64];
    private long[] _tag = new long[64];
    private int[] _resource = new int[64];
    private int[] _nextFree = new int[64];
    private int _used;
    private int _freeHead = -1;
    private int[] _perResource, _indexedPerResource;
    private bool[] _indexed = new bool[64];

    public WatchRegistry(int resources)
    {
        _perResource = new int[resources];
        _indexedPerResource = new int[resources];
    }

    public int Count(int resource) => resource < _perResource.Length ? _perResource[resource] : 0;

    /// <summary>
    /// Watchers an event of <paramref name="resource"/> is sent to: every watcher the cache cannot narrow by an
    /// index, and of those it can (pods by spec.nodeName: cacher.go's indexed trigger) only the one it matches.
    /// </summary>
    public int Recipients(int resource)
    {
        if (resource >= _perResource.Length) return 0;
        int indexed = _indexedPerResource[resource];
        return _perResource[resource] - indexed + (indexed > 0 ? 1 : 0);
    }

    public int Open(int resource, IWatcher holder, long tag, bool indexed = false)
    {
        int id;
        if (_freeHead >= 0)
        {
            id = _freeHead;
            _freeHead = _nextFree[id];
        }
        else
        {
            if (_used == _holder.Length)
            {
                int n = _holder.Length * 2;
                Array.Resize(ref _holder, n);
                Array.Resize(ref _tag, n);
                Array.Resize(ref _resource, n);
                Array.Resize(ref _nextFree, n);
                Array.Resize(ref _indexed, n);
            }
            id = _used++;
        }
        _holder[id] = holder;
        _tag[id] = tag;
        _resource[id] = resource;
        if (resource >= _perResource.Length)
        {
            Array.Resize(ref _perResource, resource + 1);
            Array.Resize(ref _indexedPerResource, resource + 1);
        }
        _perResource[resource]++;
        _indexed[id] = indexed;
        if (indexed) _indexedPerResource[resource]++;
        return id;
    }

    public void Close(int id)
    {
        if (_holder[id] is null) return;
        _perResource[_resource[id]]--;
        if (_indexed[id]) _indexedPerResource[_resource[id]]--;
        _holder[id] = null;
        _nextFree[id] = _freeHead;
        _freeHead = id;
    }

    /// <summary>Breaks every watch, in the order they were opened, telling each holder.</summary>
    public void BreakAll()
    {
        // Collect first: holders reopen watches (on other replicas) from inside the callback.
        int n = _used;
        var holders = new IWatcher?[n];
        var tags = new long[n];
        for (int i = 0; i < n; i++)
        {
            holders[i] = _holder[i];
            tags[i] = _tag[i];
            _holder[i] = null;
        }
        _used = 0;
        _freeHead = -1;
        Array.Clear(_perResource);
        Array.Clear(_indexedPerResource);
        for (int i = 0; i < n; i++) holders[i]?.OnWatchBroken(tags[i]);
    }
}
