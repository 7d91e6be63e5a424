namespace Cascade.ControlPlane;

/// <summary>The resources a cluster stores, in the order they were declared (so iteration is deterministic).</summary>
public sealed class ResourceRegistry
{
    private readonly List<ApiResource> _list = new();

    public IReadOnlyList<ApiResource> All => _list;

    public ApiResource? Find(string name)
    {
        foreach (var r in _list) if (r.Name == name) return r;
        return null;
    }

    /// <summary>The resource of this name, created with its default size and a count of zero if not declared yet.</summary>
    public ApiResource GetOrAdd(string name, long count = 0, long? bytesPerObject = null)
    {
        var found = Find(name);
        if (found is not null) return found;
        var d = ApiResource.Defaults(name);
        var r = new ApiResource(_list.Count, name, d.Group, count, bytesPerObject ?? d.Bytes, d.Namespaced);
        _list.Add(r);
        return r;
    }
}
