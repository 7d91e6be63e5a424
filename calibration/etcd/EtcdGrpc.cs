using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Cascade.Calibration.Etcd;

/// <summary>Just enough protobuf to build etcd's v3 requests and read the few small fields we need
/// from its responses (etcd/api/etcdserverpb/rpc.proto). No code generation, no packages.</summary>
static class Pb
{
    public static void Varint(Stream s, ulong v)
    {
        while (v >= 0x80) { s.WriteByte((byte)(v | 0x80)); v >>= 7; }
        s.WriteByte((byte)v);
    }

    public static void Bytes(Stream s, int field, ReadOnlySpan<byte> b)
    {
        Varint(s, (ulong)(field << 3 | 2));
        Varint(s, (ulong)b.Length);
        s.Write(b);
    }

    public static void Uint(Stream s, int field, ulong v)
    {
        Varint(s, (ulong)(field << 3));
        Varint(s, v);
    }

    /// <summary>Top-level fields of a message: (field, varint value or 0, bytes or empty).</summary>
    public static List<(int Field, ulong Value, ReadOnlyMemory<byte> Bytes)> Fields(ReadOnlyMemory<byte> m)
    {
        var list = new List<(int, ulong, ReadOnlyMemory<byte>)>();
        var span = m.Span;
        int i = 0;
        while (i < span.Length)
        {
            ulong tag = ReadVarint(span, ref i);
            int field = (int)(tag >> 3), wire = (int)(tag & 7);
            switch (wire)
            {
                case 0: list.Add((field, ReadVarint(span, ref i), ReadOnlyMemory<byte>.Empty)); break;
                case 1: i += 8; break;
                case 5: i += 4; break;
                case 2:
                    int len = (int)ReadVarint(span, ref i);
                    list.Add((field, 0, m.Slice(i, len)));
                    i += len;
                    break;
                default: throw new InvalidDataException($"protobuf wire type {wire}");
            }
        }
        return list;
    }

    static ulong ReadVarint(ReadOnlySpan<byte> s, ref int i)
    {
        ulong v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = s[i++];
            v |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return v;
        }
        throw new InvalidDataException("varint too long");
    }

    public static ulong Get(ReadOnlyMemory<byte> m, int field) =>
        Fields(m).Where(f => f.Field == field).Select(f => f.Value).LastOrDefault();

    public static ReadOnlyMemory<byte> GetBytes(ReadOnlyMemory<byte> m, int field) =>
        Fields(m).Where(f => f.Field == field).Select(f => f.Bytes).LastOrDefault();
}

/// <summary>etcd v3 requests, encoded by hand (field numbers from rpc.proto).</summary>
static class EtcdRequests
{
    static byte[] Build(Action<MemoryStream> write)
    {
        var ms = new MemoryStream();
        write(ms);
        return ms.ToArray();
    }

    /// <summary>The end of a prefix range: the prefix with its last byte incremented.</summary>
    public static byte[] PrefixEnd(byte[] prefix)
    {
        var end = (byte[])prefix.Clone();
        end[^1]++;
        return end;
    }

    // RangeRequest: key=1, range_end=2, limit=3, serializable=7, count_only=9
    public static byte[] Range(byte[] key, byte[] end, bool serializable, bool countOnly = false) => Build(s =>
    {
        Pb.Bytes(s, 1, key);
        Pb.Bytes(s, 2, end);
        if (serializable) Pb.Uint(s, 7, 1);
        if (countOnly) Pb.Uint(s, 9, 1);
    });

    // PutRequest: key=1, value=2
    public static byte[] Put(byte[] key, ReadOnlySpan<byte> value)
    {
        var ms = new MemoryStream();
        Pb.Bytes(ms, 1, key);
        Pb.Bytes(ms, 2, value);
        return ms.ToArray();
    }

    // TxnRequest: success=2 (RequestOp: request_put=2)
    public static byte[] TxnPuts(IEnumerable<byte[]> puts) => Build(s =>
    {
        foreach (var put in puts)
        {
            var op = new MemoryStream();
            Pb.Bytes(op, 2, put);
            Pb.Bytes(s, 2, op.ToArray());
        }
    });

    // DeleteRangeRequest: key=1, range_end=2
    public static byte[] DeleteRange(byte[] key, byte[] end) => Build(s => { Pb.Bytes(s, 1, key); Pb.Bytes(s, 2, end); });

    // CompactionRequest: revision=1, physical=2
    public static byte[] Compact(long revision) => Build(s => { Pb.Uint(s, 1, (ulong)revision); Pb.Uint(s, 2, 1); });
}

/// <summary>One range's client-side view: bytes of the response message, when its headers came
/// (etcd sends them with the first frame, after building and marshalling the whole response), and
/// when its last byte came.</summary>
readonly record struct RangeTiming(long ResponseBytes, double HeadersSeconds, double TotalSeconds);

/// <summary>A gRPC client over one HTTP/2 (h2c) connection, written against HttpClient so that a range's
/// response can be read and thrown away as it streams in: the client decodes nothing, so what is
/// measured is etcd's work plus moving bytes over loopback.</summary>
sealed class EtcdGrpc : IDisposable
{
    readonly HttpClient http;
    readonly Uri baseUri;

    public EtcdGrpc(string endpoint)
    {
        baseUri = new Uri(endpoint.TrimEnd('/') + "/");
        var handler = new SocketsHttpHandler
        {
            // One connection, as an API server's etcd client multiplexes its requests over one.
            EnableMultipleHttp2Connections = false,
            InitialHttp2StreamWindowSize = 16 << 20,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            UseProxy = false,
        };
        http = new HttpClient(handler)
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    static HttpRequestMessage Request(Uri uri, byte[] message)
    {
        var body = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), (uint)message.Length);
        message.CopyTo(body, 5);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        var req = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = content,
            Version = HttpVersion.Version20, // h2c with prior knowledge, as gRPC clients speak to etcd
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        req.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        return req;
    }

    static void CheckStatus(HttpResponseMessage resp, string method)
    {
        if (resp.StatusCode != HttpStatusCode.OK) throw new IOException($"{method}: HTTP {(int)resp.StatusCode}");
        string? status = Header(resp.TrailingHeaders, "grpc-status") ?? Header(resp.Headers, "grpc-status");
        if (status != "0")
        {
            string msg = Header(resp.TrailingHeaders, "grpc-message") ?? Header(resp.Headers, "grpc-message") ?? "";
            throw new IOException($"{method}: grpc-status {status ?? "missing"} {Uri.UnescapeDataString(msg)}");
        }
    }

    static string? Header(HttpHeaders h, string name) =>
        h.TryGetValues(name, out var v) ? v.FirstOrDefault() : null;

    /// <summary>A unary call whose (small) response is returned whole.</summary>
    public async Task<byte[]> UnaryAsync(string method, byte[] message, CancellationToken ct = default)
    {
        using var req = Request(new Uri(baseUri, method), message);
        using var resp = await http.SendAsync(req, HttpCompletionOption.ResponseContentRead, ct);
        byte[] all = await resp.Content.ReadAsByteArrayAsync(ct);
        CheckStatus(resp, method);
        if (all.Length < 5) return [];
        int len = (int)BinaryPrimitives.ReadUInt32BigEndian(all.AsSpan(1));
        return all.AsSpan(5, len).ToArray();
    }

    /// <summary>A Range whose response is streamed into <paramref name="buffer"/> and discarded.</summary>
    public async Task<RangeTiming> RangeDiscardAsync(byte[] message, byte[] buffer, CancellationToken ct)
    {
        long t0 = Stopwatch.GetTimestamp();
        using var req = Request(new Uri(baseUri, "etcdserverpb.KV/Range"), message);
        using var resp = await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ct);
        double headers = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        long bytes = 0;
        await using (var stream = await resp.Content.ReadAsStreamAsync(ct))
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, ct)) > 0) bytes += n;
        }
        double total = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        CheckStatus(resp, "Range");
        return new RangeTiming(Math.Max(0, bytes - 5), headers, total);
    }

    public void Dispose() => http.Dispose();

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
