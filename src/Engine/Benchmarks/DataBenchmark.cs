using NanoVlm.Engine.Data;
using NanoVlm.Engine.Data.Collation;
using NanoVlm.Engine.Data.Synthetic;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Vision;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Processing;

namespace NanoVlm.Engine.Benchmarks;

/// <summary>Synthetic documents made and drawn per second, for one difficulty.</summary>
public sealed record SyntheticFigures(string Difficulty, int PageWidth, int PageHeight, double SamplesPerSecond);

/// <summary>A one-page document at DocVQA's scan resolution, decoded from PNG and cut into the model's views.</summary>
/// <param name="Model">the model whose image processor settings were used</param>
/// <param name="Views">tiles plus the global view the page becomes</param>
public sealed record PreprocessingFigures(string Model, int PageWidth, int PageHeight, int TileSize, int Views, double ImagesPerSecond);

/// <summary>DocVQA rows read per second, each with its page's bytes (not decoded).</summary>
public sealed record ReaderFigures(string Format, int Rows, double RowsPerSecond);

public sealed record DataFigures(IReadOnlyList<SyntheticFigures> Synthetic, PreprocessingFigures Preprocessing, ReaderFigures DocvqaReader);

/// <summary>How much data work one measurement does.</summary>
/// <param name="SyntheticDocuments">documents timed per difficulty (one sample each; the figure is the median)</param>
/// <param name="PreprocessingRepeats">timed decodes and preprocessings of the page</param>
/// <param name="ReaderDocuments">documents in the temporary DocVQA set (about three rows each)</param>
/// <param name="ReaderRepeats">timed passes over the set</param>
public sealed record DataWork(int SyntheticDocuments, int PreprocessingRepeats, int ReaderDocuments, int ReaderRepeats);

/// <summary>
/// The data path's speeds, single-threaded: synthetic documents per difficulty (generated and drawn, as the trainer
/// does for each sample), preprocessing of a one-page document for the default nanoVLM model, and reading a DocVQA
/// release written by <see cref="SyntheticDatasetWriter"/> into a temporary folder.
/// </summary>
public static class DataBenchmark
{
    /// <summary>A US-letter page scanned at 200 dpi, the typical size of a DocVQA page.</summary>
    public const int ScanWidth = 1700;
    public const int ScanHeight = 2200;

    public static DataFigures Run(DataWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var synthetic = Enum.GetValues<SyntheticDifficulty>().Select(d => Synthetic(d, work.SyntheticDocuments)).ToArray();
        return new DataFigures(synthetic, Preprocessing(work.PreprocessingRepeats), Reader(work.ReaderDocuments, work.ReaderRepeats));
    }

    private static SyntheticFigures Synthetic(SyntheticDifficulty difficulty, int documents)
    {
        var generator = new SyntheticDocVqaGenerator(difficulty, seed: 11);
        var next = 0L;
        var milliseconds = Measure.MedianMilliseconds(() =>
        {
            var document = generator.Generate(SyntheticSplit.Train, next++);
            using var pixels = document.Render();
        }, warmups: 2, repeats: documents);
        var (width, height) = generator.PageSizes.MaxBy(size => size.Width * size.Height);
        return new SyntheticFigures(difficulty.Name(), width, height, 1000 / milliseconds);
    }

    private static PreprocessingFigures Preprocessing(int repeats)
    {
        var config = ModelPresets.NanoVlm460M();
        var processor = new NanoVlmImageProcessor(SampleEncoder.ImageSettingsOf(config));
        var decoder = new SafeImageDecoder(ImageLimits.Default);
        var png = ScannedPage();
        var views = 0;
        var milliseconds = Measure.MedianMilliseconds(() =>
        {
            using var image = decoder.Decode(png);
            using var processed = processor.Process(image);
            views = processed.TileCount;
        }, warmups: 1, repeats: repeats);
        return new PreprocessingFigures(ModelPresets.NanoVlm460MName, ScanWidth, ScanHeight, config.VitImgSize, views, 1000 / milliseconds);
    }

    /// <summary>A hard synthetic page (dense text) enlarged to scan resolution, as PNG bytes.</summary>
    private static byte[] ScannedPage()
    {
        using var page = new SyntheticDocVqaGenerator(SyntheticDifficulty.Hard, seed: 11).Generate(SyntheticSplit.Train, 0).Render();
        page.Mutate(context => context.Resize(ScanWidth, ScanHeight, KnownResamplers.Bicubic));
        using var bytes = new MemoryStream();
        page.Save(bytes, new PngEncoder());
        return bytes.ToArray();
    }

    private static ReaderFigures Reader(int documents, int repeats)
    {
        var folder = Directory.CreateTempSubdirectory("nanovlm-bench-docvqa-").FullName;
        try
        {
            var written = SyntheticDatasetWriter.Write(new MakeSyntheticRequest(Path.Combine(folder, "set"), documents, Seed: 5));
            var reader = DocVqaReaders.Open(written.OutputDirectory);
            var rows = 0;
            var milliseconds = Measure.MedianMilliseconds(() => rows = ReadAll(reader), warmups: 1, repeats: repeats);
            if (rows != written.Questions)
                throw new InvalidOperationException($"The reader returned {rows} rows from a set of {written.Questions} questions.");
            return new ReaderFigures(reader.Format.ToName(), rows, rows / (milliseconds / 1000));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static int ReadAll(IDocVqaReader reader)
    {
        var rows = 0;
        foreach (var result in reader.Read())
        {
            if (result is not SampleRow row) continue;
            foreach (var image in row.Sample.Images) _ = image.ReadBytes().Length;
            rows++;
        }
        return rows;
    }
}
