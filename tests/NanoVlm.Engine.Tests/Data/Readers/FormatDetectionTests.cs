using NanoVlm.Engine.Data;

namespace NanoVlm.Engine.Tests.Data.Readers;

public sealed class FormatDetectionTests
{
    [Fact]
    public void EachLayoutIsRecognisedFromAFileOrItsFolder()
    {
        using var files = new DatasetFiles();
        files.WriteFile("official/documents/a.png", DatasetFiles.Png(1));
        var json = files.WriteOfficialJson("official/val_v1.0.json", [DatasetFiles.OfficialItem(1, "q", "documents/a.png", ["x"])]);
        files.WriteText("official/README.txt", "not data");
        LmmsParquetReaderTests.LmmsRowsTo(files, "lmms/DocVQA/validation-00000-of-00001.parquet", 0, 2);
        var cauldron = files.WriteCauldronParquet("cauldron/docvqa/train-00000-of-00014.parquet", [new([DatasetFiles.Png(1)], [("q", "a")])], "item");
        files.WriteFile("jsonl/a.png", DatasetFiles.Png(1));
        var jsonl = files.WriteText("jsonl/data.jsonl", """{"image": "a.png", "question": "q", "answers": ["a"]}""");
        var jsonlNamedJson = files.WriteText("jsonl2/data.json", """{"image": "a.png", "question": "q", "answers": ["a"]}""" + "\n");

        Assert.Equal(new DetectedDataset(DocVqaFormat.DocVqaJson, json), DocVqaFormatDetector.Detect(json));
        Assert.Equal(new DetectedDataset(DocVqaFormat.DocVqaJson, json), DocVqaFormatDetector.Detect(files.PathOf("official")));
        Assert.Equal(DocVqaFormat.LmmsParquet, DocVqaFormatDetector.Detect(files.PathOf("lmms")).Format);
        Assert.Equal(DocVqaFormat.CauldronParquet, DocVqaFormatDetector.Detect(cauldron).Format);
        Assert.Equal(DocVqaFormat.CauldronParquet, DocVqaFormatDetector.Detect(files.PathOf("cauldron/docvqa")).Format);
        Assert.Equal(DocVqaFormat.Jsonl, DocVqaFormatDetector.Detect(jsonl).Format);
        Assert.Equal(DocVqaFormat.Jsonl, DocVqaFormatDetector.Detect(files.PathOf("jsonl")).Format);
        Assert.Equal(DocVqaFormat.Jsonl, DocVqaFormatDetector.Detect(jsonlNamedJson).Format);

        Assert.IsType<DocVqaJsonReader>(DocVqaReaders.Open(files.PathOf("official")));
        Assert.IsType<LmmsParquetReader>(DocVqaReaders.Open(files.PathOf("lmms")));
        Assert.IsType<CauldronParquetReader>(DocVqaReaders.Open(cauldron, "auto"));
        Assert.IsType<JsonlReader>(DocVqaReaders.Open(jsonl, "jsonl"));
        Assert.Single(ReadResults.Of(DocVqaReaders.Open(files.PathOf("official"))).Samples);
    }

    [Fact]
    public void NothingRecognisableGivesAnErrorListingWhatWasLookedForAndFound()
    {
        using var files = new DatasetFiles();
        files.WriteText("stuff/notes.txt", "hello");
        files.WriteText("stuff/config.json", """{"learning_rate": 0.001}""");

        var error = Assert.Throws<DatasetFormatException>(() => DocVqaReaders.Open(files.PathOf("stuff")));

        Assert.Contains("Cannot tell the data-set format", error.Message);
        Assert.Contains("lmms-lab/DocVQA", error.Message);
        Assert.Contains("the_cauldron", error.Message);
        Assert.Contains("\"data\" array", error.Message);
        Assert.Contains("JSONL", error.Message);
        Assert.Contains("config.json, notes.txt", error.Message);
        Assert.Contains("--format", error.Message);
    }

    [Fact]
    public void UnrecognisedFilesEmptyFoldersMissingPathsAndAmbiguousFoldersAreClearErrors()
    {
        using var files = new DatasetFiles();
        var other = files.WriteText("x.json", """{"version": 2}""");
        var shard = files.WriteParquetWithOtherColumns("other.parquet");
        Directory.CreateDirectory(files.PathOf("empty"));
        files.WriteOfficialJson("two/train_v1.0.json", []);
        files.WriteOfficialJson("two/val_v1.0.json", []);
        LmmsParquetReaderTests.LmmsRowsTo(files, "hub/DocVQA/v.parquet", 0, 1);
        LmmsParquetReaderTests.LmmsRowsTo(files, "hub/InfographicVQA/v.parquet", 0, 1);

        Assert.Contains("x.json matches none", Assert.Throws<DatasetFormatException>(() => DocVqaFormatDetector.Detect(other)).Message);
        Assert.Contains("other.parquet matches none of them (its columns: question_text (data), answer_text (data))", Assert.Throws<DatasetFormatException>(() => DocVqaFormatDetector.Detect(shard)).Message);
        Assert.Contains("The folder is empty", Assert.Throws<DatasetFormatException>(() => DocVqaFormatDetector.Detect(files.PathOf("empty"))).Message);
        Assert.Contains("does not exist", Assert.Throws<DatasetFormatException>(() => DocVqaReaders.Open(files.PathOf("nope"))).Message);
        Assert.Contains("several DocVQA files (train_v1.0.json, val_v1.0.json)", Assert.Throws<DatasetFormatException>(() => DocVqaFormatDetector.Detect(files.PathOf("two"))).Message);
        Assert.Contains("several folders (DocVQA, InfographicVQA)", Assert.Throws<DatasetFormatException>(() => DocVqaFormatDetector.Detect(files.PathOf("hub"))).Message);
        Assert.Throws<ArgumentException>(() => DocVqaReaders.Open(other, "csv"));
    }

    [Fact]
    public void FormatNamesRoundTrip()
    {
        Assert.Equal(["auto", "docvqa", "lmms-parquet", "cauldron-parquet", "jsonl"], DocVqaFormatNames.All);
        Assert.Null(DocVqaFormatNames.Parse("AUTO"));
        foreach (var format in Enum.GetValues<DocVqaFormat>())
        {
            Assert.Equal(format, DocVqaFormatNames.Parse(format.ToName()));
        }
        Assert.Contains("auto, docvqa, lmms-parquet", Assert.Throws<ArgumentException>(() => DocVqaFormatNames.Parse("hf")).Message);
    }
}
