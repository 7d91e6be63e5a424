using System.Text;
using Cascade.Scenarios.Importers;

namespace Cascade.Tests.Scenarios.Importers;

/// <summary>
/// One audit log line read field by field (audit.k8s.io/v1 Event): what the profile needs is kept, a field of an
/// unexpected JSON type is read as absent rather than failing the line, and a line that is not an Event says why.
/// </summary>
public class AuditEventTests
{
    private const string Full = """
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"a-1","stage":"ResponseComplete","requestURI":"/api/v1/pods?limit=500","verb":"list","user":{"username":"system:serviceaccount:mon:agent","groups":["system:serviceaccounts",7,"system:authenticated"],"extra":{"authentication.kubernetes.io/pod-name":["agent-x"],"authentication.kubernetes.io/node-name":["node-3","node-4"],"other":["z"]},"uid":"u"},"sourceIPs":["10.0.0.9","10.0.0.10"],"userAgent":"agent/1.0","objectRef":{"resource":"pods","subresource":"status","namespace":"mon","name":"p","apiGroup":"","apiVersion":"v1"},"responseStatus":{"code":200},"responseObject":{"kind":"PodList","items":[{"a":1},{"b":[1,2]},{}]},"requestReceivedTimestamp":"2024-12-11T23:13:00.000001Z","stageTimestamp":"x"}
        """;

    private static AuditEvent Read(string line, out string error, out int column, out bool ok)
    {
        var e = new AuditEvent();
        ok = e.TryRead(Encoding.UTF8.GetBytes(line), out error, out column);
        return e;
    }

    [Fact]
    public void A_full_event_gives_every_field_the_profile_reads()
    {
        var e = Read(Full, out var error, out _, out bool ok);
        Assert.True(ok, error);
        Assert.Equal("", error);
        Assert.Equal(("Event", "a-1", "ResponseComplete", "list", "/api/v1/pods?limit=500"), (e.Kind, e.AuditId, e.Stage, e.Verb, e.RequestUri));
        Assert.Equal("system:serviceaccount:mon:agent", e.User);
        Assert.Equal(["system:serviceaccounts", "system:authenticated"], e.Groups); // the number is not a group
        Assert.Equal(("agent-x", "node-3"), (e.PodName, e.NodeName));
        Assert.Equal(("10.0.0.9", "agent/1.0"), (e.SourceIp, e.UserAgent));
        Assert.True(e.HasObjectRef);
        Assert.Equal(("pods", "status", "mon", "p", ""), (e.Resource, e.Subresource, e.Namespace, e.Name, e.ApiGroup));
        Assert.Equal(3, e.ResponseItems);
        Assert.Equal("""{"kind":"PodList","items":[{"a":1},{"b":[1,2]},{}]}""".Length, e.ResponseBytes);
        Assert.Equal(new DateTimeOffset(2024, 12, 11, 23, 13, 0, TimeSpan.Zero).AddTicks(10), e.Received);
        Assert.True(e.IsFinalStage);
    }

    [Fact]
    public void The_reader_is_reused_and_a_line_without_a_field_clears_it()
    {
        var e = new AuditEvent();
        Assert.True(e.TryRead(Encoding.UTF8.GetBytes(Full), out _, out _));
        const string bare = """{"kind":"Event","auditID":"b","stage":"Panic","verb":"get","requestURI":"/x","user":{"username":"u"}}""";
        Assert.True(e.TryRead(Encoding.UTF8.GetBytes(bare), out var error, out _), error);
        Assert.Equal(("b", "Panic", "u"), (e.AuditId, e.Stage, e.User));
        Assert.True(e.IsFinalStage);
        Assert.Empty(e.Groups);
        Assert.Null(e.PodName);
        Assert.Null(e.NodeName);
        Assert.Null(e.SourceIp);
        Assert.Null(e.UserAgent);
        Assert.Null(e.Resource);
        Assert.Null(e.Subresource);
        Assert.Null(e.Namespace);
        Assert.Null(e.Name);
        Assert.Null(e.ApiGroup);
        Assert.False(e.HasObjectRef);
        Assert.Null(e.Received);
        Assert.Equal((-1L, -1), (e.ResponseBytes, e.ResponseItems));
    }

    [Theory]
    [InlineData("ResponseStarted", false)]
    [InlineData("RequestReceived", false)]
    [InlineData("ResponseComplete", true)]
    [InlineData("Panic", true)]
    public void Only_the_last_stages_end_a_request(string stage, bool final)
    {
        var e = Read("""{"kind":"Event","auditID":"b","stage":"STAGE","verb":"get","requestURI":"/x","user":{"username":"u"}}""".Replace("STAGE", stage), out _, out _, out bool ok);
        Assert.True(ok);
        Assert.Equal(final, e.IsFinalStage);
    }

    [Fact]
    public void A_field_of_an_unexpected_type_is_read_as_absent()
    {
        const string odd = """{"kind":"Event","auditID":"c","stage":"ResponseComplete","verb":"get","requestURI":"/x","userAgent":5,"user":{"username":"u","groups":"g","extra":[1]},"sourceIPs":"10.0.0.1","objectRef":[1,2],"responseObject":[1,2,3],"requestReceivedTimestamp":17}""";
        var e = Read(odd, out var error, out _, out bool ok);
        Assert.True(ok, error);
        Assert.Null(e.UserAgent);
        Assert.Empty(e.Groups);
        Assert.Null(e.PodName);
        Assert.Null(e.SourceIp);
        Assert.False(e.HasObjectRef);
        Assert.Null(e.Received);
        Assert.Equal(("[1,2,3]".Length, -1), (e.ResponseBytes, e.ResponseItems)); // measured, but not a list
        // A response object whose items is not an array has no item count.
        var notList = Read("""{"kind":"Event","auditID":"c","stage":"ResponseComplete","verb":"get","requestURI":"/x","user":{"username":"u"},"responseObject":{"items":{"a":1},"kind":"Pod"}}""", out _, out _, out ok);
        Assert.True(ok);
        Assert.Equal(-1, notList.ResponseItems);
        Assert.Equal("""{"items":{"a":1},"kind":"Pod"}""".Length, notList.ResponseBytes);
        // A user that is not an object has no name: the line is not usable.
        Read("""{"kind":"Event","auditID":"c","stage":"ResponseComplete","verb":"get","requestURI":"/x","user":"u"}""", out error, out _, out ok);
        Assert.False(ok);
        Assert.Equal("an Event without user.username", error);
        // An empty sourceIPs list has no source.
        Assert.Null(Read("""{"kind":"Event","auditID":"c","stage":"ResponseComplete","verb":"get","requestURI":"/x","user":{"username":"u"},"sourceIPs":[]}""", out _, out _, out _).SourceIp);
    }

    [Theory]
    [InlineData("""[1,2]""", "not a JSON object", 1)]
    [InlineData("""  "text" """, "not a JSON object", 1)]
    [InlineData("""{"kind":"Event",""", "not JSON", 16)]
    [InlineData("""{"kind":"Pod"}""", "not an audit Event (kind 'Pod')", 0)]
    [InlineData("""{"apiVersion":"v1"}""", "not an audit Event (kind missing)", 0)]
    [InlineData("""{"kind":"Event","stage":"a","verb":"get","requestURI":"/x","user":{"username":"u"}}""", "an Event without auditID", 0)]
    [InlineData("""{"kind":"Event","auditID":"a","verb":"get","requestURI":"/x","user":{"username":"u"}}""", "an Event without stage", 0)]
    [InlineData("""{"kind":"Event","auditID":"a","stage":"a","requestURI":"/x","user":{"username":"u"}}""", "an Event without verb", 0)]
    [InlineData("""{"kind":"Event","auditID":"a","stage":"a","verb":"get","requestURI":"/x","user":{}}""", "an Event without user.username", 0)]
    [InlineData("""{"kind":"Event","auditID":"a","stage":"a","verb":"get","user":{"username":"u"}}""", "an Event without requestURI", 0)]
    public void A_line_that_is_not_an_event_says_why(string line, string reason, int column)
    {
        Read(line, out var error, out int at, out bool ok);
        Assert.False(ok);
        Assert.StartsWith(reason, error);
        Assert.Equal(column, at);
    }
}
