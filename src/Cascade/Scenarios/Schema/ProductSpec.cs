using Cascade.Scenarios.Binding;

namespace Cascade.Scenarios.Schema;

/// <summary>
/// A user-facing product: a Deployment behind a Service of the same name, serving requests at a rate,
/// each request calling the listed services by their DNS names. docs/scenario-format.md, "Data plane".
/// </summary>
public sealed class ProductSpec
{
    /// <summary>Product and Service name (other products call it by this name).</summary>
    [Required] public string Name { get; set; } = "";

    /// <summary>Cluster the product runs in; the scenario's cluster when left out.</summary>
    public string? Cluster { get; set; }

    [Range(1, 1_000_000)] public int Replicas { get; set; } = 10;

    /// <summary>Requests per second arriving from users (or from callers, for internal services).</summary>
    [Range(0, 1e12)] public double RequestRate { get; set; } = 100;

    /// <summary>Services (product names) every request calls; a request fails if any lookup or routing fails, or the callee fails.</summary>
    public List<string> Calls { get; set; } = new();
}
