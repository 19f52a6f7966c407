namespace NanoVlm.Engine.Text;

/// <summary>What a split does with the delimiters it found (tokenizer.json "behavior").</summary>
public enum SplitDelimiterBehavior
{
    /// <summary>Delimiters are dropped.</summary>
    Removed,

    /// <summary>Each delimiter becomes a piece of its own.</summary>
    Isolated,

    /// <summary>Each delimiter joins the piece before it.</summary>
    MergedWithPrevious,

    /// <summary>Each delimiter joins the piece after it.</summary>
    MergedWithNext,

    /// <summary>Runs of consecutive delimiters become one piece.</summary>
    Contiguous,
}

/// <summary>Cuts a piece at delimiter segments according to a <see cref="SplitDelimiterBehavior"/>.</summary>
public static class DelimiterSplitter
{
    /// <summary>
    /// <paramref name="delimiters"/> are non-overlapping (start, length) ranges in ascending order.
    /// Appends the non-empty resulting pieces to <paramref name="output"/>.
    /// </summary>
    public static void Split(
        string piece,
        IReadOnlyList<(int Start, int Length)> delimiters,
        SplitDelimiterBehavior behavior,
        bool invert,
        List<string> output)
    {
        List<(int Start, int End, bool IsDelimiter)> segments = Segments(piece.Length, delimiters, invert);
        foreach ((int start, int end) in Merge(segments, behavior))
        {
            if (end > start)
            {
                output.Add(piece.Substring(start, end - start));
            }
        }
    }

    /// <summary>The piece covered by delimiter and non-delimiter segments, in order (empty delimiters kept).</summary>
    private static List<(int Start, int End, bool IsDelimiter)> Segments(
        int length, IReadOnlyList<(int Start, int Length)> delimiters, bool invert)
    {
        var segments = new List<(int, int, bool)>(delimiters.Count * 2 + 1);
        if (length == 0)
        {
            segments.Add((0, 0, invert));
            return segments;
        }
        int previous = 0;
        foreach ((int start, int matchLength) in delimiters)
        {
            if (previous != start)
            {
                segments.Add((previous, start, invert));
            }
            segments.Add((start, start + matchLength, !invert));
            previous = start + matchLength;
        }
        if (previous != length)
        {
            segments.Add((previous, length, invert));
        }
        return segments;
    }

    // The folds below mirror the Rust library's NormalizedString::split, including how a leading
    // delimiter is treated (the "previous" flag starts false).
    private static List<(int Start, int End)> Merge(
        List<(int Start, int End, bool IsDelimiter)> segments, SplitDelimiterBehavior behavior)
    {
        var result = new List<(int Start, int End)>(segments.Count);
        switch (behavior)
        {
            case SplitDelimiterBehavior.Isolated:
                foreach ((int s, int e, bool _) in segments) result.Add((s, e));
                break;

            case SplitDelimiterBehavior.Removed:
                foreach ((int s, int e, bool isDelimiter) in segments)
                {
                    if (!isDelimiter) result.Add((s, e));
                }
                break;

            case SplitDelimiterBehavior.Contiguous:
                {
                    bool previousWasDelimiter = false;
                    foreach ((int s, int e, bool isDelimiter) in segments)
                    {
                        if (isDelimiter == previousWasDelimiter && result.Count > 0)
                        {
                            result[^1] = (result[^1].Start, e);
                        }
                        else
                        {
                            result.Add((s, e));
                        }
                        previousWasDelimiter = isDelimiter;
                    }
                    break;
                }

            case SplitDelimiterBehavior.MergedWithPrevious:
                {
                    bool previousWasDelimiter = false;
                    foreach ((int s, int e, bool isDelimiter) in segments)
                    {
                        if (isDelimiter && !previousWasDelimiter && result.Count > 0)
                        {
                            result[^1] = (result[^1].Start, e);
                        }
                        else
                        {
                            result.Add((s, e));
                        }
                        previousWasDelimiter = isDelimiter;
                    }
                    break;
                }

            case SplitDelimiterBehavior.MergedWithNext:
                {
                    bool previousWasDelimiter = false;
                    for (int i = segments.Count - 1; i >= 0; i--)
                    {
                        (int s, int e, bool isDelimiter) = segments[i];
                        if (isDelimiter && !previousWasDelimiter && result.Count > 0)
                        {
                            result[^1] = (s, result[^1].End);
                        }
                        else
                        {
                            result.Add((s, e));
                        }
                        previousWasDelimiter = isDelimiter;
                    }
                    result.Reverse();
                    break;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(behavior), behavior, null);
        }
        return result;
    }
}
