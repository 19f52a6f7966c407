namespace NanoVlm.Engine.Training.External;

/// <summary>
/// Follows a file that another process appends lines to (a run folder's <c>metrics.jsonl</c> or <c>events.jsonl</c>):
/// each call returns the lines completed since the last one. A last line still being written stays buffered until its
/// newline arrives. A missing file is a file with no line yet.
/// </summary>
/// <remarks>
/// A file that was cut back or replaced (it is shorter than what was read, or its last line read is no longer where it
/// was) is read again from its start; the lines that are still what was read before are skipped (a hash of each line
/// read is kept), and the first that differs and every line after it are new. So a file cut back to an earlier line
/// and written on gives exactly the lines written after the cut.
/// </remarks>
public sealed class JsonLinesTail
{
    private readonly List<byte> _partial = [];
    private readonly List<int> _seen = [];
    private long _offset;
    private long _lastLineStart = -1; // the last complete line read: where it starts, and its bytes with the newline
    private byte[] _lastLine = [];
    private int _replayed = -1; // while re-reading a shrunk file: how many of its lines matched what was seen

    /// <param name="path">the file; it may not exist yet</param>
    /// <param name="fromEnd">skip what the file holds now (following a run folder that continues an earlier execution)</param>
    public JsonLinesTail(string path, bool fromEnd = false)
    {
        Path = path;
        // What is there now counts as read; an unfinished last line stays buffered: the next writer appends its first
        // line to it (RunFolderFollower finds that line's start).
        if (fromEnd) ReadNewLines();
    }

    public string Path { get; }

    /// <summary>Times the file was seen shorter than what had been read.</summary>
    public int Truncations { get; private set; }

    /// <summary>The lines completed since the last call (without their newline; blank lines left out).</summary>
    public IReadOnlyList<string> ReadNewLines()
    {
        var lines = new List<string>();
        FileStream stream;
        try
        {
            stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return lines;
        }
        using (stream)
        {
            if (stream.Length < _offset || !LastLineIsStillThere(stream))
            {
                Truncations++;
                _offset = 0;
                _partial.Clear();
                _lastLineStart = -1;
                _replayed = 0;
            }
            if (stream.Length == _offset) return lines;
            stream.Position = _offset;
            var buffer = new byte[1 << 16];
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                for (var i = 0; i < read; i++)
                {
                    if (buffer[i] != (byte)'\n')
                    {
                        _partial.Add(buffer[i]);
                        continue;
                    }
                    _lastLineStart = _offset + i - _partial.Count;
                    _lastLine = [.. _partial, (byte)'\n'];
                    Complete(lines);
                }
                _offset += read;
            }
        }
        return lines;
    }

    /// <summary>The last line when it has no newline yet (the writer is gone: it will not get one); null when there is none.</summary>
    public string? TakeUnfinishedLine()
    {
        var lines = new List<string>();
        Complete(lines);
        return lines.Count > 0 ? lines[0] : null;
    }

    /// <summary>Whether the last complete line read still lies where it was (a file rewritten to the same length would not).</summary>
    private bool LastLineIsStillThere(FileStream stream)
    {
        if (_lastLineStart < 0) return true;
        var bytes = new byte[_lastLine.Length];
        stream.Position = _lastLineStart;
        return stream.Read(bytes, 0, bytes.Length) == bytes.Length && bytes.AsSpan().SequenceEqual(_lastLine);
    }

    private void Complete(List<string> lines)
    {
        var text = System.Text.Encoding.UTF8.GetString([.. _partial]).TrimEnd('\r');
        _partial.Clear();
        if (text.Trim().Length == 0) return;
        var hash = text.GetHashCode(StringComparison.Ordinal);
        if (_replayed >= 0)
        {
            if (_replayed < _seen.Count && _seen[_replayed] == hash)
            {
                _replayed++;
                return; // read before the file shrank
            }
            _seen.RemoveRange(_replayed, _seen.Count - _replayed); // gone from the file
            _replayed = -1;
        }
        _seen.Add(hash);
        lines.Add(text);
    }
}
