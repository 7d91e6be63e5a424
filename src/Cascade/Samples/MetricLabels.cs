namespace Cascade.Samples;

/// <summary>
/// The `verb` label of kube-apiserver's request metrics (apiserver endpoints/metrics/metrics.go CleanVerb):
/// the HTTP method, with LIST and WATCH told apart from GET (docs/sources.md §8).
/// </summary>
public enum ReportedVerb : byte { Get, List, Watch, Post, Put, Patch, Delete }

/// <summary>What etcd3's store does for a request, as the `operation` label of etcd_request_duration_seconds names it.</summary>
public enum EtcdOperation : byte { Get, List, Create, Update, Delete }

/// <summary>The `code` label of apiserver_request_total: the status codes the model answers with.</summary>
public enum ResponseCode : byte { Ok, Gone, TooManyRequests, GatewayTimeout }

/// <summary>The label values of the metrics kube-apiserver exports, for what the model measures (docs/sources.md §8).</summary>
public static class MetricLabels
{
    public const int Verbs = 7;
    public static readonly string[] VerbLabels = ["GET", "LIST", "WATCH", "POST", "PUT", "PATCH", "DELETE"];

    public const int Codes = 4;
    public static readonly string[] CodeLabels = ["200", "410", "429", "504"];

    public const int EtcdOperations = 5;
    public static readonly string[] EtcdOperationLabels = ["get", "list", "create", "update", "delete"];

    /// <summary>The `reason` label of apiserver_flowcontrol_rejected_requests_total, in the order of APF's RejectReason (ControlPlane/Apf).</summary>
    public static readonly string[] RejectReasonLabels = ["queue-full", "time-out", "concurrency-limit", "cancelled"];

    /// <summary>The reported verb of a Kubernetes API verb (create is a POST, update a PUT, deletecollection a DELETE).</summary>
    public static ReportedVerb VerbOf(string verb) => verb switch
    {
        "get" => ReportedVerb.Get,
        "list" => ReportedVerb.List,
        "watch" => ReportedVerb.Watch,
        "update" => ReportedVerb.Put,
        "patch" => ReportedVerb.Patch,
        "delete" or "deletecollection" => ReportedVerb.Delete,
        _ => ReportedVerb.Post,
    };

    /// <summary>The etcd3 store operation behind a request's read or write (a PATCH is a GuaranteedUpdate, like a PUT).</summary>
    public static EtcdOperation EtcdOperationOf(ReportedVerb verb) => verb switch
    {
        ReportedVerb.Get => EtcdOperation.Get,
        ReportedVerb.List or ReportedVerb.Watch => EtcdOperation.List,
        ReportedVerb.Put or ReportedVerb.Patch => EtcdOperation.Update,
        ReportedVerb.Delete => EtcdOperation.Delete,
        _ => EtcdOperation.Create,
    };
}
