using static TorchSharp.torch;

namespace NanoVlm.Engine.Data.Collation;

/// <summary>
/// One training step's input, ready for <c>VisionLanguageModel.Forward(InputIds, PixelValues, AttentionMask)</c> and
/// <c>Loss(hidden, Labels)</c>. Rows are left-padded with the pad id (mask 0, label −100).
/// </summary>
/// <remarks>
/// The tensors are created in the caller's current dispose scope, if any (so a per-step
/// <c>torch.NewDisposeScope()</c> frees them); otherwise dispose the batch.
/// </remarks>
/// <param name="InputIds">[B, T] int64.</param>
/// <param name="AttentionMask">[B, T] int64, 1 = token, 0 = padding.</param>
/// <param name="Labels">[B, T] int64, already shifted (label t is token t+1), −100 where ignored.</param>
/// <param name="PixelValues">
/// [N, 3, S, S] float32 in [0, 1]: every image's tiles (global view first), in placeholder order (row by row,
/// image by image), so the k-th run of placeholders gets the k-th tile.
/// </param>
/// <param name="SampleIds">The id of each row, for diagnostics.</param>
/// <param name="LabelledTokens">Positions whose label is not −100.</param>
public sealed record TrainingBatch(
    Tensor InputIds,
    Tensor AttentionMask,
    Tensor Labels,
    Tensor PixelValues,
    IReadOnlyList<string> SampleIds,
    long LabelledTokens) : IDisposable
{
    public int BatchSize => SampleIds.Count;

    public int SequenceLength => (int)InputIds.shape[1];

    /// <summary>Tiles in <see cref="PixelValues"/> (N).</summary>
    public int TileCount => (int)PixelValues.shape[0];

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        Labels.Dispose();
        PixelValues.Dispose();
    }
}
