using System.Text.Json;

namespace NanoVlm.Engine.Data;

/// <summary>
/// Streams the items of one array property of a top-level JSON object (the official DocVQA files put
/// 40k items under <c>"data"</c> in a 50+ MB file) without holding the file: a window of the file is kept
/// in a buffer, <see cref="Utf8JsonReader"/> walks it with its state carried across refills, and each
/// complete item is parsed on its own into a <see cref="JsonDocument"/>. Memory is one item plus the window.
/// </summary>
internal sealed class JsonArrayItemStream : IDisposable
{
    private const int InitialBufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly string _arrayProperty;
    private byte[] _buffer = new byte[InitialBufferSize];
    private int _start;
    private int _end;
    private bool _endOfStream;
    private long _bytesBeforeBuffer;
    private JsonReaderState _state = new(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
    private Phase _phase = Phase.BeforeRoot;

    public JsonArrayItemStream(Stream stream, string arrayProperty)
    {
        _stream = stream;
        _arrayProperty = arrayProperty;
    }

    private enum Phase { BeforeRoot, InRoot, ExpectArray, InArray, Done }

    /// <summary>The top-level string properties seen before the array (e.g. <c>dataset_split</c>).</summary>
    public Dictionary<string, string> HeaderStrings { get; } = new(StringComparer.Ordinal);

    /// <summary>True once the array property was found (false after the end means it is missing).</summary>
    public bool FoundArray { get; private set; }

    /// <summary>
    /// The next item, or null at the end of the array. Throws <see cref="JsonException"/> (with the byte
    /// offset) when the file is not valid JSON or not an object holding the array.
    /// </summary>
    public JsonDocument? ReadNext()
    {
        while (true)
        {
            var step = Step(out var item);
            switch (step)
            {
                case StepResult.Item:
                    return item;
                case StepResult.Finished:
                    return null;
                case StepResult.NeedMoreData:
                    if (_endOfStream)
                    {
                        throw new JsonException($"The JSON ends unexpectedly at byte {_bytesBeforeBuffer + _end} (the file is truncated).");
                    }
                    Refill();
                    break;
            }
        }
    }

    private enum StepResult { Item, NeedMoreData, Finished }

    private StepResult Step(out JsonDocument? item)
    {
        item = null;
        var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _endOfStream, _state);
        try
        {
            while (true)
            {
                var beforeToken = reader;
                if (!reader.Read())
                {
                    if (_phase == Phase.Done)
                    {
                        return StepResult.Finished;
                    }
                    Commit(ref reader);
                    if (_endOfStream && reader.BytesConsumed == 0 && _phase == Phase.BeforeRoot)
                    {
                        throw new JsonException("The file is empty.");
                    }
                    return StepResult.NeedMoreData;
                }
                switch (_phase)
                {
                    case Phase.BeforeRoot:
                        if (reader.TokenType != JsonTokenType.StartObject)
                        {
                            throw new JsonException($"Expected a JSON object at the top level, found {reader.TokenType}.");
                        }
                        _phase = Phase.InRoot;
                        break;
                    case Phase.InRoot:
                        if (reader.TokenType == JsonTokenType.EndObject)
                        {
                            _phase = Phase.Done;
                            Commit(ref reader);
                            return StepResult.Finished;
                        }
                        var name = reader.GetString()!;
                        if (name == _arrayProperty)
                        {
                            _phase = Phase.ExpectArray;
                            break;
                        }
                        // Another header property: keep short strings, skip anything else whole.
                        var beforeValue = reader;
                        if (!reader.Read() || !reader.TrySkip())
                        {
                            reader = beforeToken;
                            Commit(ref reader);
                            return StepResult.NeedMoreData;
                        }
                        if (beforeValue.Read() && beforeValue.TokenType == JsonTokenType.String)
                        {
                            HeaderStrings[name] = beforeValue.GetString()!;
                        }
                        break;
                    case Phase.ExpectArray:
                        if (reader.TokenType != JsonTokenType.StartArray)
                        {
                            throw new JsonException($"\"{_arrayProperty}\" is a {reader.TokenType}, not an array.");
                        }
                        FoundArray = true;
                        _phase = Phase.InArray;
                        break;
                    case Phase.InArray:
                        if (reader.TokenType == JsonTokenType.EndArray)
                        {
                            // Whatever follows the array is not needed.
                            _phase = Phase.Done;
                            Commit(ref reader);
                            return StepResult.Finished;
                        }
                        var itemStart = (int)reader.TokenStartIndex;
                        if (!reader.TrySkip())
                        {
                            reader = beforeToken;
                            Commit(ref reader);
                            return StepResult.NeedMoreData;
                        }
                        var itemEnd = (int)reader.BytesConsumed;
                        item = JsonDocument.Parse(_buffer.AsMemory(_start + itemStart, itemEnd - itemStart).ToArray());
                        Commit(ref reader);
                        return StepResult.Item;
                    case Phase.Done:
                        return StepResult.Finished;
                }
            }
        }
        catch (JsonException e) when (e.BytePositionInLine is not null || e.LineNumber is not null)
        {
            var at = _bytesBeforeBuffer + _start + reader.BytesConsumed;
            throw new JsonException(_endOfStream && IsValidPrefix()
                ? $"The JSON ends unexpectedly at byte {_bytesBeforeBuffer + _end} (the file is truncated)."
                : $"Invalid JSON near byte {at}: {e.Message}", e);
        }
    }

    // True when the unread bytes are a correct but unfinished continuation: the reader, told more data
    // may follow, runs out of input without finding an error. Tells a cut-off file from a broken one.
    private bool IsValidPrefix()
    {
        var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), isFinalBlock: false, _state);
        try
        {
            while (reader.Read())
            {
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void Commit(ref Utf8JsonReader reader)
    {
        _start += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
    }

    // Moves the unread tail to the front, grows the buffer when one token or item fills it, and reads more.
    private void Refill()
    {
        var unread = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, unread);
            _bytesBeforeBuffer += _start;
            _start = 0;
            _end = unread;
        }
        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _endOfStream = true;
        }
        _end += read;
    }

    public void Dispose() => _stream.Dispose();
}
