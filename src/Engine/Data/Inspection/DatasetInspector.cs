using System.Diagnostics;
using NanoVlm.Engine.Vision;

namespace NanoVlm.Engine.Data;

/// <summary>
/// The logic of <c>dataset inspect --path PATH [--format auto|docvqa|lmms-parquet|cauldron-parquet|jsonl]</c>:
/// one streaming pass that counts usable samples, their images and questions, and the skipped rows with
/// their reasons. Memory stays at one row group / JSON item whatever the data-set size.
/// </summary>
public static class DatasetInspector
{
    /// <summary>Opens <paramref name="path"/> (format detected for <c>auto</c>) and inspects it.</summary>
    public static InspectionResult Inspect(string path, string format = DocVqaFormatNames.Auto, InspectOptions? options = null, CancellationToken cancellationToken = default) =>
        Inspect(DocVqaReaders.Open(path, format), options, cancellationToken);

    public static InspectionResult Inspect(IDocVqaReader reader, InspectOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= new InspectOptions();
        var decoder = options.VerifyImages ? new SafeImageDecoder(options.ImageLimits ?? ImageLimits.Default) : null;
        var clock = Stopwatch.StartNew();
        long samples = 0, images = 0, skipped = 0, questions = 0, unanswered = 0;
        var problems = new List<InspectionProblem>();

        void Skip(long row, string reason)
        {
            skipped++;
            if (problems.Count < options.MaxProblems)
            {
                problems.Add(new InspectionProblem(row, reason));
            }
        }

        foreach (var result in reader.Read(cancellationToken))
        {
            switch (result)
            {
                case SkippedRow skippedRow:
                    Skip(skippedRow.Row, skippedRow.Reason);
                    break;
                case SampleRow { Sample: var sample, Row: var row }:
                    if (decoder is not null && FirstBadImage(sample, decoder) is { } imageProblem)
                    {
                        Skip(row, $"{sample.Id}: {imageProblem}");
                        break;
                    }
                    samples++;
                    images += sample.Images.Count;
                    questions += sample.Turns.Count;
                    if (!sample.IsAnswered)
                    {
                        unanswered++;
                    }
                    foreach (var observer in options.Observers)
                    {
                        observer.Observe(sample);
                    }
                    break;
            }
        }

        var observations = options.Observers.ToDictionary(observer => observer.ResultKey, observer => observer.Summarize());
        return new InspectionResult(reader.Format, samples, images, skipped, questions, unanswered, problems,
            observations, clock.Elapsed);
    }

    /// <summary>Why the first unusable image of a sample is unusable, or null when all pass.</summary>
    public static string? FirstBadImage(DocVqaSample sample, SafeImageDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(decoder);
        foreach (var image in sample.Images)
        {
            try
            {
                decoder.Inspect(image.ReadBytes());
            }
            catch (ImageUnavailableException e)
            {
                return e.Message;
            }
            catch (ImageRejectedException e)
            {
                return $"image {image.Description} rejected ({e.Reason}): {e.Message}";
            }
        }
        return null;
    }
}
