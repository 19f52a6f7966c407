using System.Text.Json;
using NanoVlm.Engine.Data.Synthetic;
using NanoVlm.Engine.Tests.Model;

namespace NanoVlm.Engine.Tests.Data.Synthetic;

public sealed class SyntheticDatasetWriterTests
{
    [Fact]
    public void WritesTheOfficialDocVqaLayoutWithTheGeneratorsQuestions()
    {
        using var temp = new TempDirectory();
        var output = Path.Combine(temp.Path, "synthetic");
        var result = SyntheticDatasetWriter.Write(new MakeSyntheticRequest(output, Count: 4, Seed: 12, SyntheticDifficulty.Medium, SyntheticSplit.Val));

        Assert.Equal(Path.Combine(output, "val_v1.0.json"), result.AnnotationPath);
        Assert.Equal(4, result.Documents);
        using var json = JsonDocument.Parse(File.ReadAllBytes(result.AnnotationPath));
        Assert.Equal("val", json.RootElement.GetProperty("dataset_split").GetString());
        var items = json.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(result.Questions, items.Count);

        var generator = new SyntheticDocVqaGenerator(SyntheticDifficulty.Medium, 12);
        var expected = Enumerable.Range(0, 4).SelectMany(i => generator.Generate(SyntheticSplit.Val, i).Questions.Select(q => (Doc: i, q))).ToList();
        Assert.Equal(expected.Count, items.Count);
        var questionIds = new HashSet<long>();
        for (var k = 0; k < items.Count; k++)
        {
            var item = items[k];
            Assert.True(questionIds.Add(item.GetProperty("questionId").GetInt64()));
            Assert.Equal(expected[k].Doc, item.GetProperty("docId").GetInt32());
            Assert.Equal(expected[k].q.Question, item.GetProperty("question").GetString());
            Assert.Equal(expected[k].q.Answers, item.GetProperty("answers").EnumerateArray().Select(a => a.GetString()!));
            Assert.Equal([expected[k].q.QuestionType], item.GetProperty("question_types").EnumerateArray().Select(a => a.GetString()!));
            var image = item.GetProperty("image").GetString()!;
            Assert.StartsWith("documents/", image, StringComparison.Ordinal);
            var info = SixLabors.ImageSharp.Image.Identify(Path.Combine(output, image));
            Assert.Contains((info.Width, info.Height), generator.PageSizes);
        }
        Assert.Equal(4, Directory.GetFiles(Path.Combine(output, "documents"), "*.png").Length);
        Assert.Single(Directory.GetFileSystemEntries(temp.Path)); // no staging folder left behind
    }

    [Fact]
    public void TwoRunsWithTheSameSeedAreByteIdentical()
    {
        using var temp = new TempDirectory();
        var first = SyntheticDatasetWriter.Write(new MakeSyntheticRequest(Path.Combine(temp.Path, "a"), 6, 77, SyntheticDifficulty.Hard));
        var second = SyntheticDatasetWriter.Write(new MakeSyntheticRequest(Path.Combine(temp.Path, "b"), 6, 77, SyntheticDifficulty.Hard));
        var filesA = RelativeFiles(first.OutputDirectory);
        Assert.Equal(filesA, RelativeFiles(second.OutputDirectory));
        Assert.Equal(7, filesA.Count);
        foreach (var file in filesA)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(first.OutputDirectory, file)), File.ReadAllBytes(Path.Combine(second.OutputDirectory, file)));
        }
    }

    [Fact]
    public void RefusesANonEmptyFolderUnlessOverwriting()
    {
        using var temp = new TempDirectory();
        var output = Path.Combine(temp.Path, "out");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "keep.txt"), "mine");

        var error = Assert.Throws<IOException>(() => SyntheticDatasetWriter.Write(new MakeSyntheticRequest(output, 1, 1)));
        Assert.Contains("not empty", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "keep.txt")));

        SyntheticDatasetWriter.Write(new MakeSyntheticRequest(output, 1, 1, Overwrite: true));
        Assert.False(File.Exists(Path.Combine(output, "keep.txt")));
        Assert.True(File.Exists(Path.Combine(output, "train_v1.0.json")));
        Assert.Single(Directory.GetFileSystemEntries(temp.Path));
    }

    [Fact]
    public void ACancelledRunLeavesNothingBehind()
    {
        using var temp = new TempDirectory();
        var output = Path.Combine(temp.Path, "out");
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            SyntheticDatasetWriter.Write(new MakeSyntheticRequest(output, 50, 1), cancellationToken: cancellation.Token));
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
    }

    private static List<string> RelativeFiles(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToList();
}
