namespace NanoVlm.Engine.Data.Collation;

/// <summary>
/// Running counts of what the collator did: samples kept, truncated and dropped (by reason), so nothing is lost
/// silently. The first few drops are kept with their messages for diagnostics.
/// </summary>
public sealed class CollationStatistics
{
    public const int KeptDropExamples = 20;

    private readonly Dictionary<DropReason, long> _dropped = [];
    private readonly List<SampleDrop> _examples = [];

    public long SamplesSeen { get; private set; }

    public long SamplesKept { get; private set; }

    public long SamplesTruncated { get; private set; }

    public long TurnsDropped { get; private set; }

    public long QuestionTokensCut { get; private set; }

    public long SamplesDropped => _dropped.Values.Sum();

    public IReadOnlyDictionary<DropReason, long> DroppedByReason => _dropped;

    /// <summary>The first <see cref="KeptDropExamples"/> drops, with their messages.</summary>
    public IReadOnlyList<SampleDrop> DropExamples => _examples;

    public void RecordKept(EncodedSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        SamplesSeen++;
        SamplesKept++;
        if (sample.Truncated) SamplesTruncated++;
        TurnsDropped += sample.TurnsDropped;
        QuestionTokensCut += sample.QuestionTokensCut;
    }

    public void RecordDropped(SampleDrop drop)
    {
        ArgumentNullException.ThrowIfNull(drop);
        SamplesSeen++;
        _dropped[drop.Reason] = _dropped.GetValueOrDefault(drop.Reason) + 1;
        if (_examples.Count < KeptDropExamples) _examples.Add(drop);
    }

    /// <summary>A sample that was encoded (and counted as kept) but whose image then failed.</summary>
    public void RecordImageFailure(EncodedSample sample, SampleDrop drop)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(drop);
        SamplesKept--;
        SamplesSeen--;
        if (sample.Truncated) SamplesTruncated--;
        TurnsDropped -= sample.TurnsDropped;
        QuestionTokensCut -= sample.QuestionTokensCut;
        RecordDropped(drop);
    }
}
