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
    private int[] _perResource, _indexedPerResource, _keyedPerResource;
    private bool[] _indexed = new bool[64];
    private int[] _key = new int[64];
    private int[][] _perKey = [];   // [key − 1][resource]: watches selecting that one object

    public WatchRegistry(int resources)
    {
        _perResource = new int[resources];
        _indexedPerResource = new int[resources];
        _keyedPerResource = new int[resources];
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

    /// <summary>
    /// Watchers a write of the object <paramref name="key"/> (0: no particular object) is actually sent to, its
    /// bytes and all: the unselective ones, the indexed one it matches, and those selecting that very object.
    /// The others (selecting another object) get it on their channel and drop it (cacheWatcher's filter).
    /// </summary>
    public int Hearing(int resource, int key)
    {
        if (resource >= _perResource.Length) return 0;
        int indexed = _indexedPerResource[resource];
        int n = _perResource[resource] - indexed - _keyedPerResource[resource] + (indexed > 0 ? 1 : 0);
        if (key > 0 && key <= _perKey.Length && resource < _perKey[key - 1].Length) n += _perKey[key - 1][resource];
        return n;
    }

    public int Open(int resource, IWatcher holder, long tag, bool indexed = false, int key = 0)
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
                Array.Resize(ref _key, n);
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
            Array.Resize(ref _keyedPerResource, resource + 1);
        }
        _perResource[resource]++;
        _indexed[id] = indexed;
        if (indexed) _indexedPerResource[resource]++;
        _key[id] = key;
        if (key > 0)
        {
            if (key > _perKey.Length)
            {
                int old = _perKey.Length;
                Array.Resize(ref _perKey, key);
                for (int k = old; k < key; k++) _perKey[k] = [];
            }
            if (resource >= _perKey[key - 1].Length) Array.Resize(ref _perKey[key - 1], _perResource.Length);
            _perKey[key - 1][resource]++;
            _keyedPerResource[resource]++;
        }
        return id;
    }

    public void Close(int id)
    {
        if (_holder[id] is null) return;
        _perResource[_resource[id]]--;
        if (_indexed[id]) _indexedPerResource[_resource[id]]--;
        if (_key[id] > 0)
        {
            _perKey[_key[id] - 1][_resource[id]]--;
            _keyedPerResource[_resource[id]]--;
        }
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
        Array.Clear(_keyedPerResource);
        foreach (var perResource in _perKey) Array.Clear(perResource);
        for (int i = 0; i < n; i++) holders[i]?.OnWatchBroken(tags[i]);
    }
}
