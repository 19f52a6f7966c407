using NanoVlm.Engine.Data;

namespace NanoVlm.Engine.Tests.Data.Readers;

/// <summary>The dashboard keeps a dataset's images inside its data folders; the readers apply its check row by row.</summary>
public sealed class ImagePathCheckTests
{
    [Fact]
    public void Jsonl_rows_naming_refused_images_are_skipped_with_the_reason_and_the_others_are_read()
    {
        using var files = new DatasetFiles();
        files.WriteFile("set/pages/inside.png", DatasetFiles.Png(1));
        var outside = files.WriteFile("elsewhere/outside.png", DatasetFiles.Png(2));
        var jsonl = files.WriteText("set/data.jsonl", string.Join("\n",
            """{"image": "pages/inside.png", "question": "inside?", "answers": ["yes"]}""",
            $$"""{"image": "{{outside}}", "question": "absolute, outside?", "answers": ["no"]}""",
            """{"image": "../elsewhere/outside.png", "question": "relative, outside?", "answers": ["no"]}""",
            """{"image": "/nowhere/absent.png", "question": "absent and outside?", "answers": ["no"]}"""));
        var checkedPaths = new List<string>();
        var allowed = files.PathOf("set") + Path.DirectorySeparatorChar;

        var read = ReadResults.Of(DocVqaReaders.Open(jsonl, DocVqaFormat.Jsonl, path =>
        {
            checkedPaths.Add(path);
            return Path.GetFullPath(path).StartsWith(allowed, StringComparison.Ordinal) ? null : "outside the data folders";
        }));

        Assert.Equal(["inside?"], read.All.Select(sample => sample.Question));
        // A refused path is refused whether or not the file exists, so the reason never reveals which files are there.
        Assert.Equal(3, read.Skipped.Count);
        Assert.All(read.Skipped, skipped => Assert.Contains("may not be read: outside the data folders", skipped.Reason));
        Assert.Contains("elsewhere/outside.png", read.Skipped[0].Reason);
        Assert.Contains("absent.png", read.Skipped[2].Reason);
        Assert.Equal(4, checkedPaths.Count);
    }

    [Fact]
    public void An_official_release_json_applies_the_check_and_without_one_every_existing_image_is_read()
    {
        using var files = new DatasetFiles();
        files.WriteFile("release/documents/a.png", DatasetFiles.Png(3));
        var outside = files.WriteFile("private/secret.png", DatasetFiles.Png(4));
        var json = files.WriteOfficialJson("release/val_v1.0.json",
        [
            DatasetFiles.OfficialItem(1, "inside?", "documents/a.png", ["yes"]),
            DatasetFiles.OfficialItem(2, "outside?", outside, ["no"]),
        ]);

        var refused = ReadResults.Of(DocVqaReaders.Open(json, DocVqaFormat.DocVqaJson, path => path == outside ? "not under the data roots" : null));
        var unrestricted = ReadResults.Of(DocVqaReaders.Open(json, DocVqaFormat.DocVqaJson));

        Assert.Equal(["inside?"], refused.All.Select(sample => sample.Question));
        Assert.Contains("not under the data roots", Assert.Single(refused.Skipped).Reason);
        Assert.Equal(["inside?", "outside?"], unrestricted.All.Select(sample => sample.Question));
    }
}
