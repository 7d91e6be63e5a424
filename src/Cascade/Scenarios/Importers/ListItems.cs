using System.Text.Json;

namespace Cascade.Scenarios.Importers;

/// <summary>
/// Streams the `items` of a `kubectl get ... -o json` List (any top-level object with an `items` array), one item
/// at a time as a <see cref="JsonDocument"/>, through a buffer that holds one item and a read ahead: a dump of any
/// size is never loaded whole. Broken JSON is an <see cref="InputException"/> at its line and column.
/// </summary>
public static class ListItems
{
    /// <summary>The largest item kept: etcd refuses objects above 1.5 MiB by default, so this is generous.</summary>
    public const int MaxItemBytes = 256 << 20;

    private enum Phase { Start, Fields, ItemsArray, Items, Done }

    /// <summary>Calls <paramref name="onItem"/> with each item and its 0-based index; returns the number of items.</summary>
    public static long Read(Stream stream, string source, Action<JsonElement, long> onItem)
    {
        var buffer = new byte[1 << 20];
        int length = 0;
        bool final = false;
        long newlinesBefore = 0; // newlines in the bytes already dropped from the buffer, for error locations
        var state = new JsonReaderState(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
        var phase = Phase.Start;
        long index = 0;
        bool sawItems = false;
        while (phase != Phase.Done)
        {
            int n = stream.ReadAtLeast(buffer.AsSpan(length), buffer.Length - length, throwOnEndOfStream: false);
            length += n;
            final = length < buffer.Length;
            var reader = new Utf8JsonReader(buffer.AsSpan(0, length), final, state);
            long checkpoint = 0;
            var checkpointState = state;
            try
            {
                bool needMore = false;
                while (phase != Phase.Done && !needMore)
                {
                    checkpoint = reader.BytesConsumed;
                    checkpointState = reader.CurrentState;
                    if (!reader.Read())
                    {
                        needMore = true;
                        break;
                    }
                    switch (phase)
                    {
                        case Phase.Start:
                            if (reader.TokenType != JsonTokenType.StartObject)
                                throw Located("expected a JSON object (a `kubectl get -o json` List)", reader.TokenStartIndex);
                            phase = Phase.Fields;
                            break;
                        case Phase.Fields:
                            if (reader.TokenType == JsonTokenType.EndObject) phase = Phase.Done;
                            else if (reader.ValueTextEquals("items"u8))
                            {
                                phase = Phase.ItemsArray;
                                sawItems = true;
                            }
                            else needMore = !reader.TrySkip();
                            break;
                        case Phase.ItemsArray:
                            if (reader.TokenType != JsonTokenType.StartArray)
                                throw Located("`items` is not an array", reader.TokenStartIndex);
                            phase = Phase.Items;
                            break;
                        case Phase.Items:
                            if (reader.TokenType == JsonTokenType.EndArray)
                            {
                                phase = Phase.Fields;
                                break;
                            }
                            if (reader.TokenType != JsonTokenType.StartObject)
                                throw Located($"items[{index}] is not an object", reader.TokenStartIndex);
                            int start = (int)reader.TokenStartIndex;
                            if (!reader.TrySkip())
                            {
                                needMore = true;
                                break;
                            }
                            using (var item = JsonDocument.Parse(buffer.AsMemory(start, (int)reader.BytesConsumed - start)))
                                onItem(item.RootElement, index);
                            index++;
                            break;
                    }
                }
                if (phase != Phase.Done && final) throw Located("the file ends inside the JSON", length);
            }
            catch (JsonException e)
            {
                // The reader's state carries its line count from buffer to buffer.
                throw new InputException("not JSON: " + e.Message.Split(". ")[0].TrimEnd('.'), source,
                    (int)Math.Min((e.LineNumber ?? 0) + 1, int.MaxValue), (int)(e.BytePositionInLine ?? 0) + 1);
            }
            if (phase == Phase.Done) break;
            // Keep what is not consumed (a partial token or item) at the front, and grow when one item fills the buffer.
            newlinesBefore += buffer.AsSpan(0, (int)checkpoint).Count((byte)'\n');
            state = checkpointState;
            Buffer.BlockCopy(buffer, (int)checkpoint, buffer, 0, length - (int)checkpoint);
            length -= (int)checkpoint;
            if (length == buffer.Length)
            {
                if (buffer.Length >= MaxItemBytes) throw Located($"an item longer than {MaxItemBytes >> 20} MiB", 0);
                Array.Resize(ref buffer, buffer.Length * 2);
            }
        }
        if (!sawItems) throw new InputException("no `items`: not a `kubectl get -o json` List", source, 1, 1);
        return index;

        InputException Located(string message, long position)
        {
            var before = buffer.AsSpan(0, (int)Math.Min(position, length));
            int lastNewline = before.LastIndexOf((byte)'\n');
            long line = newlinesBefore + before.Count((byte)'\n') + 1;
            return new InputException(message, source, (int)Math.Min(line, int.MaxValue), (int)(before.Length - lastNewline));
        }
    }
}
