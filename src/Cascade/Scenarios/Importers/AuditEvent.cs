using System.Text.Json;

namespace Cascade.Scenarios.Importers;

// Stands for: one audit.k8s.io/v1 Event as kube-apiserver's log backend writes it, one JSON object a line
// (k8s.io/apiserver/pkg/apis/audit/v1/types.go; plugin/pkg/audit/log/backend.go). Keeps what a profile of the
// callers needs: the request's ID and stage, verb, URI, the user (name, groups, and the pod and node its
// service-account token was bound to, which 1.30+ records in user.extra), source IPs, user agent, the object
// reference, the time it was received and, at level RequestResponse, the response's size and item count.
// Leaves out the request body, annotations, impersonation and the response status.

/// <summary>The fields of one audit Event the profile reads. Strings are null when the line does not have them.</summary>
public sealed class AuditEvent
{
    public string? Kind, AuditId, Stage, Verb, RequestUri, User, PodName, NodeName, SourceIp, UserAgent;
    public string? ApiGroup, Resource, Subresource, Namespace, Name;
    public List<string> Groups { get; } = new();
    public bool HasObjectRef;
    public DateTimeOffset? Received;

    /// <summary>Length of responseObject as logged (compact JSON), or -1 when the line has none (level below RequestResponse).</summary>
    public long ResponseBytes = -1;

    /// <summary>Elements of responseObject.items (a LIST's answer), or -1.</summary>
    public int ResponseItems = -1;

    /// <summary>The stages after which kube-apiserver writes no more Events for the request (ResponseComplete, Panic).</summary>
    public bool IsFinalStage => Stage is "ResponseComplete" or "Panic";

    private void Clear()
    {
        Kind = AuditId = Stage = Verb = RequestUri = User = PodName = NodeName = SourceIp = UserAgent = null;
        ApiGroup = Resource = Subresource = Namespace = Name = null;
        Groups.Clear();
        HasObjectRef = false;
        Received = null;
        ResponseBytes = -1;
        ResponseItems = -1;
    }

    /// <summary>
    /// Reads one line into this object (reused from line to line), or says what is wrong with it: not JSON (with
    /// the 1-based column of the fault), or JSON that is not an audit Event.
    /// </summary>
    public bool TryRead(ReadOnlySpan<byte> line, out string error, out int column)
    {
        Clear();
        column = 0;
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "not a JSON object";
                column = 1;
                return false;
            }
            ReadEvent(ref reader);
        }
        catch (JsonException e)
        {
            error = "not JSON: " + FirstSentence(e.Message);
            column = (int)(e.BytePositionInLine ?? 0) + 1;
            return false;
        }
        error = Kind != "Event" ? $"not an audit Event (kind {(Kind is null ? "missing" : $"'{Kind}'")})"
            : AuditId is null ? "an Event without auditID"
            : Stage is null ? "an Event without stage"
            : Verb is null ? "an Event without verb"
            : User is null ? "an Event without user.username"
            : RequestUri is null ? "an Event without requestURI"
            : "";
        return error.Length == 0;
    }

    private static string FirstSentence(string message)
    {
        int dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot > 0 ? message[..dot] : message.TrimEnd('.');
    }

    private void ReadEvent(ref Utf8JsonReader r)
    {
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("kind"u8)) Kind = ReadString(ref r);
            else if (r.ValueTextEquals("auditID"u8)) AuditId = ReadString(ref r);
            else if (r.ValueTextEquals("stage"u8)) Stage = ReadString(ref r);
            else if (r.ValueTextEquals("verb"u8)) Verb = ReadString(ref r);
            else if (r.ValueTextEquals("requestURI"u8)) RequestUri = ReadString(ref r);
            else if (r.ValueTextEquals("userAgent"u8)) UserAgent = ReadString(ref r);
            else if (r.ValueTextEquals("user"u8)) ReadObject(ref r, ReadUserField);
            else if (r.ValueTextEquals("sourceIPs"u8)) SourceIp = ReadFirstString(ref r);
            else if (r.ValueTextEquals("objectRef"u8)) ReadObject(ref r, ReadObjectRefField);
            else if (r.ValueTextEquals("requestReceivedTimestamp"u8))
            {
                r.Read();
                if (r.TokenType == JsonTokenType.String && r.TryGetDateTimeOffset(out var t)) Received = t;
            }
            else if (r.ValueTextEquals("responseObject"u8)) ReadResponse(ref r);
            else
            {
                r.Read();
                r.Skip();
            }
        }
    }

    private static string? ReadString(ref Utf8JsonReader r)
    {
        r.Read();
        if (r.TokenType == JsonTokenType.String) return r.GetString();
        r.Skip();
        return null;
    }

    /// <summary>The first string of an array (sourceIPs: the client first, then proxies; a user.extra value).</summary>
    private static string? ReadFirstString(ref Utf8JsonReader r)
    {
        r.Read();
        if (r.TokenType != JsonTokenType.StartArray)
        {
            r.Skip();
            return null;
        }
        string? first = null;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (first is null && r.TokenType == JsonTokenType.String) first = r.GetString();
            else r.Skip();
        }
        return first;
    }

    /// <summary>Reads one property's value into the event if it is one the handler knows (then true), else leaves it.</summary>
    private delegate bool PropertyReader(AuditEvent e, ref Utf8JsonReader r);

    /// <summary>An object value: each property handed to <paramref name="read"/>, or skipped; any other value skipped.</summary>
    private void ReadObject(ref Utf8JsonReader r, PropertyReader read)
    {
        r.Read();
        if (r.TokenType != JsonTokenType.StartObject)
        {
            r.Skip();
            return;
        }
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (read(this, ref r)) continue;
            r.Read();
            r.Skip();
        }
    }

    private static bool ReadUserField(AuditEvent e, ref Utf8JsonReader r)
    {
        if (r.ValueTextEquals("username"u8)) e.User = ReadString(ref r);
        else if (r.ValueTextEquals("groups"u8)) ReadGroups(e, ref r);
        else if (r.ValueTextEquals("extra"u8)) e.ReadObject(ref r, ReadExtraField);
        else return false;
        return true;
    }

    private static void ReadGroups(AuditEvent e, ref Utf8JsonReader r)
    {
        r.Read();
        if (r.TokenType != JsonTokenType.StartArray)
        {
            r.Skip();
            return;
        }
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
            if (r.TokenType == JsonTokenType.String) e.Groups.Add(r.GetString()!);
            else r.Skip();
    }

    /// <summary>
    /// user.extra: a pod-bound service-account token names its pod, and from 1.30 (ServiceAccountTokenPodNodeInfo)
    /// its node (pkg/serviceaccount/claims.go: authentication.kubernetes.io/pod-name, .../node-name).
    /// </summary>
    private static bool ReadExtraField(AuditEvent e, ref Utf8JsonReader r)
    {
        if (r.ValueTextEquals("authentication.kubernetes.io/pod-name"u8)) e.PodName = ReadFirstString(ref r);
        else if (r.ValueTextEquals("authentication.kubernetes.io/node-name"u8)) e.NodeName = ReadFirstString(ref r);
        else return false;
        return true;
    }

    private static bool ReadObjectRefField(AuditEvent e, ref Utf8JsonReader r)
    {
        e.HasObjectRef = true;
        if (r.ValueTextEquals("resource"u8)) e.Resource = ReadString(ref r);
        else if (r.ValueTextEquals("subresource"u8)) e.Subresource = ReadString(ref r);
        else if (r.ValueTextEquals("namespace"u8)) e.Namespace = ReadString(ref r);
        else if (r.ValueTextEquals("name"u8)) e.Name = ReadString(ref r);
        else if (r.ValueTextEquals("apiGroup"u8)) e.ApiGroup = ReadString(ref r);
        else return false;
        return true;
    }

    /// <summary>Measures responseObject without keeping it: its bytes as logged, and its items if it is a list.</summary>
    private void ReadResponse(ref Utf8JsonReader r)
    {
        r.Read();
        long start = r.TokenStartIndex;
        if (r.TokenType != JsonTokenType.StartObject)
        {
            r.Skip();
            ResponseBytes = r.BytesConsumed - start;
            return;
        }
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            bool items = r.ValueTextEquals("items"u8);
            r.Read();
            if (items && r.TokenType == JsonTokenType.StartArray)
            {
                int n = 0;
                while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                {
                    n++;
                    r.Skip();
                }
                ResponseItems = n;
            }
            else r.Skip();
        }
        ResponseBytes = r.BytesConsumed - start;
    }
}
