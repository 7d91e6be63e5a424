namespace Cascade.ControlPlane.Apf;

// Stands for: the flowcontrol.apiserver.k8s.io/v1 FlowSchema object and its PolicyRulesWithSubjects
// (k8s.io/api/flowcontrol/v1 types.go). Keeps the spec (priority level reference, matchingPrecedence,
// distinguisher method, rules); leaves out metadata other than the name, and status (the Dangling
// condition is reported by ApfConfiguration.IgnoredFlowSchemas instead). Wildcards are the API's own:
// "*" for verbs, apiGroups, resources, namespaces, subject names and nonResourceURLs.

public enum FlowDistinguisherMethod { ByUser, ByNamespace }

public enum SubjectKind { User, Group, ServiceAccount }

public sealed class FlowSchema
{
    // flowcontrol/v1 defaults.go: matchingPrecedence defaults to 1000.
    public const int DefaultMatchingPrecedence = 1000;

    public required string Name { get; init; }
    public required string PriorityLevelName { get; init; }

    /// <summary>Lower matches first; ties broken by name (apihelpers.FlowSchemaSequence).</summary>
    public int MatchingPrecedence { get; init; } = DefaultMatchingPrecedence;

    /// <summary>null: all matching requests are one flow.</summary>
    public FlowDistinguisherMethod? Distinguisher { get; init; }

    public List<PolicyRulesWithSubjects> Rules { get; init; } = new();

    public override string ToString() => $"FlowSchema {Name}";
}

/// <summary>
/// One rule of a FlowSchema: a request matches when one subject matches the requester and, for a resource
/// request, one resource rule matches, or for a non-resource request, one non-resource rule matches.
/// </summary>
public sealed class PolicyRulesWithSubjects
{
    public List<Subject> Subjects { get; init; } = new();
    public List<ResourcePolicyRule> ResourceRules { get; init; } = new();
    public List<NonResourcePolicyRule> NonResourceRules { get; init; } = new();
}

/// <summary>
/// A requester: a user name, a group name, or a service account (namespace + name, name "*" = every service
/// account of that namespace). The API's nested user/group/serviceAccount objects are flattened here.
/// </summary>
public sealed record Subject(SubjectKind Kind, string Name, string? Namespace = null)
{
    public static Subject User(string name) => new(SubjectKind.User, name);
    public static Subject Group(string name) => new(SubjectKind.Group, name);
    public static Subject ServiceAccount(string @namespace, string name) => new(SubjectKind.ServiceAccount, name, @namespace);
}

public sealed class ResourcePolicyRule
{
    public List<string> Verbs { get; init; } = new();
    /// <summary>"" is the core group.</summary>
    public List<string> ApiGroups { get; init; } = new();
    /// <summary>Resource names, with subresources as "nodes/status".</summary>
    public List<string> Resources { get; init; } = new();
    /// <summary>Whether cluster-scoped requests (no namespace) match.</summary>
    public bool ClusterScope { get; init; }
    public List<string> Namespaces { get; init; } = new();
}

public sealed class NonResourcePolicyRule
{
    public List<string> Verbs { get; init; } = new();
    /// <summary>Exact paths, "*" for all, or "/prefix/*".</summary>
    public List<string> NonResourceUrls { get; init; } = new();
}

public sealed record ApfObjects(IReadOnlyList<PriorityLevelConfiguration> PriorityLevels, IReadOnlyList<FlowSchema> FlowSchemas)
{
    public static readonly ApfObjects Empty = new(Array.Empty<PriorityLevelConfiguration>(), Array.Empty<FlowSchema>());
}
