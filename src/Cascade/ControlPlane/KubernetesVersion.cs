namespace Cascade.ControlPlane;

// Stands for: the feature gates and defaults of kube-apiserver, client-go and kube-controller-manager that
// change a control plane's behaviour under load, by minor release (pkg/features/kube_features.go,
// staging/src/k8s.io/apiserver/pkg/features/kube_features.go, client-go/features/known_features.go; the
// table with sources is in docs/model.md, "What changes with the Kubernetes version").
// Keeps: the defaults of a release; each stays overridable on its own in the scenario.
// Leaves out: releases before 1.17 (node status heartbeats instead of leases), and alpha gates turned on by hand.

/// <summary>The version-dependent behaviour of one cluster, resolved from its minor version and overrides.</summary>
public sealed record KubernetesFeatures
{
    /// <summary>Minor version (1.x → x).</summary>
    public int Minor { get; init; } = KubernetesVersion.NewestMinor;

    /// <summary>API Priority and Fairness (beta, on by default, 1.20); without it the max-in-flight filter (Apf/MaxInflight.cs).</summary>
    public bool Apf { get; init; } = true;

    /// <summary>RV="" LISTs served from the watch cache once it is fresh (KEP-2340: beta, on by default, 1.31).</summary>
    public bool ConsistentListFromCache { get; init; } = true;

    /// <summary>While a cache is not ready: paginated unfiltered LISTs go to etcd, other LISTs and all WATCHes get 429 (KEP-4568, 1.31).</summary>
    public bool ResilientWatchCacheInitialization { get; init; } = true;

    /// <summary>LIST responses encoded item by item instead of in one buffer (1.33).</summary>
    public bool StreamingListEncoding { get; init; } = true;

    /// <summary>Informers start with a WATCH that streams the initial state from the cache instead of a LIST (KEP-3157: server on in 1.34, client-go's WatchListClient on in 1.35).</summary>
    public bool WatchList { get; init; } = true;

    /// <summary>kube-controller-manager --node-monitor-grace-period: 40 s before 1.32, 50 s from 1.32.</summary>
    public double NodeMonitorGracePeriodSeconds { get; init; } = 50;
}

public static class KubernetesVersion
{
    public const int OldestMinor = 17, NewestMinor = 35;
    public const string Newest = "1.35";

    /// <summary>Parses "1.30" (or "v1.30", "1.30.4"); null when it is not a 1.x version the model covers.</summary>
    public static int? ParseMinor(string version)
    {
        var v = version.Trim();
        if (v.StartsWith('v')) v = v[1..];
        var parts = v.Split('.');
        if (parts.Length is < 2 or > 3 || parts[0] != "1") return null;
        if (!int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int minor)) return null;
        if (parts.Length == 3 && !int.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)) return null;
        return minor is >= OldestMinor and <= NewestMinor ? minor : null;
    }

    /// <summary>A release's defaults (docs/model.md, "What changes with the Kubernetes version").</summary>
    public static KubernetesFeatures Defaults(int minor) => new()
    {
        Minor = minor,
        Apf = minor >= 20,
        ConsistentListFromCache = minor >= 31,
        ResilientWatchCacheInitialization = minor >= 31,
        StreamingListEncoding = minor >= 33,
        // The server gate was on in 1.32, off in 1.33, on from 1.34; informers use it once client-go's gate is on (1.35).
        WatchList = minor >= 35,
        NodeMonitorGracePeriodSeconds = minor >= 32 ? 50 : 40,
    };
}
