using Parquet;
using Xunit.Abstractions;

namespace NanoVlm.Engine.Tests.Data.Readers;

/// <summary>The fixtures themselves have the published physical layout (paths, levels).</summary>
public sealed class ParquetFixtureTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("element")]
    [InlineData("item")]
    public async Task CauldronFixtureHasTheDatasetsLibraryColumnPaths(string itemName)
    {
        using var files = new DatasetFiles();
        var path = files.WriteCauldronParquet("train-00000-of-00001.parquet",
            [new DatasetFiles.CauldronRow([DatasetFiles.Png(1)], [("q", "a")])], itemName);
        var schema = await ParquetReader.ReadSchemaAsync(path);
        var paths = schema.DataFields.Select(field => field.Path.ToString()).ToList();
        output.WriteLine(string.Join("\n", schema.DataFields.Select(field => field.ToString() + $" RL {field.MaxRepetitionLevel} DL {field.MaxDefinitionLevel}")));
        const char separator = '/'; // FieldPath.ToString() joins with '/' in Parquet.Net 6.1
        Assert.Contains($"images{separator}list{separator}{itemName}{separator}bytes", paths);
        Assert.Contains($"texts{separator}list{separator}{itemName}{separator}assistant", paths);
        // optional list (1) + repeated group (2) + optional struct (3) + optional leaf (4), one repetition: as pyarrow writes it.
        Assert.All(schema.DataFields, field => Assert.Equal((1, 4), (field.MaxRepetitionLevel, field.MaxDefinitionLevel)));
    }
}
