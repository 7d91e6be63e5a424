using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Cascade.Scenarios.Importers;

namespace Cascade.Tests.Scenarios.Importers;

/// <summary>
/// How the importers read their files: line by line with a bound on a line (audit logs), item by item from a
/// `kubectl get -o json` List (dumps), gunzipped by content rather than name, and every fault located.
/// </summary>
public class ImporterInputTests
{
    private static List<string?> Lines(string text, int maxLineBytes, out List<long> numbers)
    {
        using var r = new LineReader(new MemoryStream(Encoding.UTF8.GetBytes(text)), maxLineBytes);
        var lines = new List<string?>();
        numbers = new List<long>();
        while (r.Next(out var line))
        {
            lines.Add(r.LastLineTooLong ? null : Encoding.UTF8.GetString(line));
            Assert.True(!r.LastLineTooLong || line.IsEmpty);
            numbers.Add(r.LineNumber);
        }
        return lines;
    }

    [Fact]
    public void Lines_come_without_their_ends_and_only_the_first_loses_a_byte_order_mark()
    {
        var lines = Lines("\uFEFFfirst\r\nsecond\n\n\uFEFFthird\r\nlast", 1 << 20, out var numbers);
        Assert.Equal(["first", "second", "", "\uFEFFthird", "last"], lines);
        Assert.Equal([1L, 2, 3, 4, 5], numbers);
        Assert.Empty(Lines("", 1 << 20, out _));
        Assert.Equal(["only"], Lines("only\n", 1 << 20, out _));
    }

    [Fact]
    public void A_line_past_the_limit_comes_back_empty_and_flagged_and_the_next_is_whole()
    {
        string longLine = new('x', 300_000);  // several times the reader's first buffer and the limit
        var lines = Lines($"a\n{longLine}\nb\n{longLine}", 100_000, out var numbers);
        Assert.Equal(["a", null, "b", null], lines);
        Assert.Equal([1L, 2, 3, 4], numbers);
        // Exactly at the limit is kept.
        string atLimit = new('y', 70_000);
        Assert.Equal([atLimit, "z"], Lines($"{atLimit}\nz", 70_000 + 1, out _));
    }

    [Fact]
    public void A_file_is_gunzipped_by_its_first_bytes_not_its_name()
    {
        var dir = Directory.CreateTempSubdirectory("cascade-input-").FullName;
        try
        {
            var gz = Path.Combine(dir, "log.txt");
            using (var f = File.Create(gz))
            using (var z = new GZipStream(f, CompressionLevel.Fastest))
                z.Write("hello\n"u8);
            var plain = Path.Combine(dir, "log.gz");
            File.WriteAllText(plain, "\u001fplain");
            var one = Path.Combine(dir, "one");
            File.WriteAllText(one, "\u001f");
            Assert.Equal("hello\n", new StreamReader(InputFile.Open(gz)).ReadToEnd());
            Assert.Equal("\u001fplain", new StreamReader(InputFile.Open(plain)).ReadToEnd());
            Assert.Equal("\u001f", new StreamReader(InputFile.Open(one)).ReadToEnd());
            var e = Assert.Throws<InputException>(() => InputFile.Open(dir));
            Assert.Equal(("is a directory, not a file", dir), (e.Message, e.File));
            e = Assert.Throws<InputException>(() => InputFile.Open(Path.Combine(dir, "missing")));
            Assert.Equal("no such file", e.Message);
            e = Assert.Throws<InputException>(() => InputFile.Open(Path.Combine(dir, "no-dir", "missing")));
            Assert.Equal("no such file", e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static (long Count, List<string> Items) Items(string json)
    {
        var items = new List<string>();
        long n = ListItems.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "dump.json", (item, i) =>
        {
            Assert.Equal(items.Count, i);
            items.Add(item.GetRawText());
        });
        return (n, items);
    }

    [Fact]
    public void Items_stream_in_order_wherever_the_list_puts_them()
    {
        var (n, items) = Items("""{"kind":"List","metadata":{"x":[1,{"items":[]}]},"items":[{"a":1},{"b":{"c":[2]}}],"apiVersion":"v1"}""");
        Assert.Equal(2, n);
        Assert.Equal(["""{"a":1}""", """{"b":{"c":[2]}}"""], items);
        Assert.Equal(0, Items("""{"items":[]}""").Count);
        // Comments are skipped; items after other fields too.
        Assert.Equal(1, Items("{\"apiVersion\":\"v1\", // a note\n\"items\":[{}]}").Count);
    }

    [Fact]
    public void Items_larger_than_the_read_buffer_arrive_whole()
    {
        var big = new string('p', 3 << 20);
        var (n, items) = Items($$"""{"items":[{"a":"{{big}}"},{"b":2}]}""");
        Assert.Equal(2, n);
        Assert.Equal(big.Length + 8, items[0].Length);
        Assert.Equal("""{"b":2}""", items[1]);
    }

    [Theory]
    [InlineData("[1,2]", "expected a JSON object (a `kubectl get -o json` List)", 1, 1)]
    [InlineData("{\"kind\":\"List\",\n  \"items\": 5}", "`items` is not an array", 2, 12)]
    [InlineData("{\"items\":[\n{\"a\":1},\n  7]}", "items[1] is not an object", 3, 3)]
    [InlineData("{\"kind\":\"Pod\"}", "no `items`: not a `kubectl get -o json` List", 1, 1)]
    public void A_dump_that_is_not_a_list_of_objects_is_bad_input_at_its_place(string json, string message, int line, int column)
    {
        var e = Assert.Throws<InputException>(() => Items(json));
        Assert.Equal((message, "dump.json", line, column), (e.Message, e.File, e.Line, e.Column));
    }

    [Fact]
    public void A_fault_past_the_first_buffer_is_located_on_its_own_line()
    {
        var sb = new StringBuilder("{\"items\":[\n");
        for (int i = 0; i < 100_000; i++) sb.Append("{\"name\":\"item-").Append(i).Append("\"},\n");
        sb.Append("  7]}");
        var e = Assert.Throws<InputException>(() => Items(sb.ToString()));
        Assert.Equal(("items[100000] is not an object", 100_002, 3), (e.Message, e.Line, e.Column));
    }
}
