using NanoVlm.Engine.Data;
using NanoVlm.Engine.Data.Synthetic;
using NanoVlm.Engine.Vision;

namespace NanoVlm.Engine.Tests.Data.RoundTrip;

/// <summary>make-synthetic's output is real DocVQA: the official-format reader reads back exactly what was generated.</summary>
public sealed class SyntheticThroughReaderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nanovlm-roundtrip-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(SyntheticDifficulty.Easy)]
    [InlineData(SyntheticDifficulty.Medium)]
    public void ReaderSeesTheGeneratedQuestionsAnswersAndImages(SyntheticDifficulty difficulty)
    {
        var output = Path.Combine(_root, difficulty.Name());
        SyntheticDatasetWriter.Write(new MakeSyntheticRequest(output, Count: 4, Seed: 11, difficulty, SyntheticSplit.Val));

        var generator = new SyntheticDocVqaGenerator(difficulty, 11);
        var expected = Enumerable.Range(0, 4)
            .SelectMany(i => generator.Generate(SyntheticSplit.Val, i).Questions)
            .Select(q => (q.Question, string.Join("|", q.Answers)))
            .ToList();

        var reader = DocVqaReaders.Open(output, DocVqaFormatNames.Auto);
        Assert.Equal(DocVqaFormat.DocVqaJson, reader.Format);
        var rows = reader.Read().ToList();
        Assert.All(rows, row => Assert.IsType<SampleRow>(row));
        var samples = rows.Cast<SampleRow>().Select(r => r.Sample).ToList();
        Assert.Equal(expected, samples.Select(s => (s.Question, string.Join("|", s.Answers))).ToList());

        var decoder = new SafeImageDecoder(ImageLimits.Default);
        using var first = decoder.Decode(samples[0].Images[0].ReadBytes());
        Assert.Contains(first.Width, generator.PageSizes.Select(p => p.Width));
    }
}
