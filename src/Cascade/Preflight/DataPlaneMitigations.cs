using Cascade.Scenarios.Schema;

namespace Cascade.Preflight;

/// <summary>The DNS mitigations: they change cluster DNS, so they apply only to scenarios with products that resolve names.</summary>
public static class DataPlaneMitigations
{
    public static string? ServeStale(Scenario s, MitigationContext ctx) => "this build has no DNS model";

    public static string? LongerNodeCacheTtl(Scenario s, MitigationContext ctx) => "this build has no DNS model";
}
