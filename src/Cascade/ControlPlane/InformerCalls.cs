namespace Cascade.ControlPlane;

/// <summary>
/// The requests one client-go informer makes (docs/model.md, "Informers"), defined once per kind of informer
/// by <see cref="ApiServerSet.DefineInformer"/>.
/// </summary>
/// <param name="List">The first LIST: resourceVersion "0" and pages of 500 unless the informer says otherwise (the cache serves RV="0" whole, ignoring the limit).</param>
/// <param name="Relist">After a watch expired: the last synced resourceVersion, unpaginated, so the cache serves it.</param>
/// <param name="ConsistentRelist">After that relist failed as expired: resourceVersion "" (a consistent read).</param>
/// <param name="Watch">The WATCH from the last synced resourceVersion.</param>
/// <param name="WatchList">The WatchList start: a WATCH that streams the current state first (sendInitialEvents).</param>
/// <param name="UseWatchList">Whether the informer starts with <paramref name="WatchList"/> instead of <paramref name="List"/>.</param>
public sealed record InformerCalls(ApiCall List, ApiCall Relist, ApiCall ConsistentRelist, ApiCall Watch, ApiCall WatchList, bool UseWatchList)
{
    /// <summary>client-go's pager: pages of 500 (tools/pager/pager.go defaultPageSize).</summary>
    public const long DefaultPageSize = 500;

    /// <summary>client-go's reflector lists from resourceVersion "0" first (tools/cache/reflector.go relistResourceVersion).</summary>
    public const string DefaultResourceVersion = "0";

    /// <summary>The resourceVersion of a reader's last sync (a specific version: not-older-than semantics).</summary>
    public const string LastSynced = "synced";
}
