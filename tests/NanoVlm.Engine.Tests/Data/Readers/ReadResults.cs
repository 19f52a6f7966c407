using NanoVlm.Engine.Data;

namespace NanoVlm.Engine.Tests.Data.Readers;

/// <summary>A reader's whole output split into samples and skipped rows, with their row numbers.</summary>
internal sealed record ReadResults(List<SampleRow> Samples, List<SkippedRow> Skipped)
{
    public static ReadResults Of(IDocVqaReader reader)
    {
        var results = reader.Read().ToList();
        // Row numbers run in order without gaps or repeats, except that a whole-file problem may share the next row number.
        Assert.True(results.Zip(results.Skip(1)).All(pair => pair.Second.Row >= pair.First.Row), "rows out of order");
        return new ReadResults(results.OfType<SampleRow>().ToList(), results.OfType<SkippedRow>().ToList());
    }

    public IEnumerable<DocVqaSample> All => Samples.Select(row => row.Sample);

    public SkippedRow SkippedAt(long row) => Assert.Single(Skipped, skipped => skipped.Row == row);
}
