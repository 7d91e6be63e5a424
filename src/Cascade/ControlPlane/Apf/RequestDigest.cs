namespace Cascade.ControlPlane.Apf;

// Stands for: flowcontrol.RequestDigest (apf_controller.go) — the authenticated user.Info plus the
// request.RequestInfo that FlowSchema matching reads. Keeps user, groups, verb, API group,
// resource[/subresource], namespace and non-resource path; leaves out the object name and extra user
// attributes, which no FlowSchema can match on.

/// <summary>
/// What APF sees of one request. <paramref name="Groups"/> are the groups the authenticator attaches,
/// which in Kubernetes always include "system:authenticated" for an authenticated user (see
/// <see cref="ApfIdentity"/>); without it an ordinary user matches no default FlowSchema and falls
/// back to catch-all, exactly as in the API server. <paramref name="Resource"/> carries a subresource
/// as "nodes/status". <paramref name="Namespace"/> null or "" means cluster-scoped. Verbs are the API
/// server's request verbs: get list watch create update patch delete deletecollection.
/// </summary>
public readonly record struct RequestDigest(
    string User,
    IReadOnlyList<string> Groups,
    string Verb,
    string ApiGroup,
    string Resource,
    string? Namespace,
    bool IsResourceRequest,
    string? Path);

/// <summary>
/// The outcome of classification: priority level and FlowSchema indices into <see cref="ApfConfiguration"/>,
/// the flow's shuffle-sharding hash (0 when the level has at most one queue, as upstream), and whether the
/// level is exempt. <see cref="Hand"/> is the flow's shuffle-shard hand in the level's queues, dealt once from
/// the hash and packed (<see cref="ShuffleShardDealer.Pack"/>); 0 when not dealt, and the queue set deals it then.
/// </summary>
public readonly record struct Classification(int PriorityLevel, int FlowSchema, ulong FlowHash, bool Exempt)
{
    public ulong Hand { get; init; }
}

/// <summary>
/// The user names and groups Kubernetes' authenticators give the usual identities
/// (k8s.io/apiserver/pkg/authentication/serviceaccount/util.go, user/user.go, the node authorizer's
/// "system:node:NAME").
/// </summary>
public static class ApfIdentity
{
    private static readonly string[] NodeGroupList = { ApfDefaults.SystemNodes, ApfDefaults.SystemAuthenticated };
    private static readonly string[] AuthenticatedOnly = { ApfDefaults.SystemAuthenticated };
    private static readonly string[] MastersList = { ApfDefaults.SystemMasters, ApfDefaults.SystemAuthenticated };

    public static string ServiceAccountUser(string @namespace, string name) => $"system:serviceaccount:{@namespace}:{name}";

    /// <summary>system:serviceaccounts, system:serviceaccounts:NAMESPACE, system:authenticated.</summary>
    public static IReadOnlyList<string> ServiceAccountGroups(string @namespace) =>
        new[] { ApfDefaults.AllServiceAccounts, ApfDefaults.AllServiceAccounts + ":" + @namespace, ApfDefaults.SystemAuthenticated };

    public static string NodeUser(string nodeName) => "system:node:" + nodeName;

    public static IReadOnlyList<string> NodeGroups => NodeGroupList;

    /// <summary>An ordinary authenticated user with no other groups (e.g. a developer's kubectl).</summary>
    public static IReadOnlyList<string> AuthenticatedGroups => AuthenticatedOnly;

    /// <summary>A cluster admin's groups (kubeadm's admin.conf identity).</summary>
    public static IReadOnlyList<string> MastersGroups => MastersList;
}
