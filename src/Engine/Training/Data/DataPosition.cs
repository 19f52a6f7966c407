using System.Text.Json.Serialization;

namespace NanoVlm.Engine.Training.Data;

/// <summary>
/// Where a data stream stands, so that a resumed run reads exactly the samples the uninterrupted run would have:
/// the epoch and the number of samples of that epoch already handed out. Counting samples (not batches) keeps the
/// stream identical when recovery halves the micro-batch.
/// </summary>
public sealed record DataPosition(
    [property: JsonPropertyName("epoch")] long Epoch,
    [property: JsonPropertyName("samples")] long Samples)
{
    public static DataPosition Start { get; } = new(0, 0);
}
