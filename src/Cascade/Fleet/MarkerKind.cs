namespace Cascade.Fleet;

/// <summary>How a replay marker is read off a run.</summary>
public enum MarkerKind
{
    /// <summary>The first alert fired.</summary>
    Detection,
    /// <summary>The first minute in which some product's error rate (over all its clusters) passed 1%.</summary>
    FirstError,
    /// <summary>The minute with the highest error rate over all products' requests.</summary>
    PeakError,
    /// <summary>The first cluster whose users saw errors back for good: its saturated API server healthy again and its products serving (without product errors anywhere: the first saturated API server healthy again).</summary>
    FirstClusterRecovered,
    /// <summary>A product's error rate falls under `below` and stays there.</summary>
    ProductRecovered,
    /// <summary>Every product under `below` for good and every saturated API server healthy again.</summary>
    AllRecovered,
}
