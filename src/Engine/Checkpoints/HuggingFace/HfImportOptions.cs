using NanoVlm.Engine.Model;

namespace NanoVlm.Engine.Checkpoints.HuggingFace;

/// <summary>Choices for building a nanoVLM model from Hugging Face backbones.</summary>
public sealed record HfImportOptions
{
    /// <summary>
    /// Supplies every field the backbones do not: projector factor, image preprocessing, extra tokens, packing
    /// length, chat template. nanoVLM HEAD's defaults when null. Backbone-derived fields in it are overwritten.
    /// </summary>
    public VlmConfig? BaseConfig { get; init; }

    /// <summary>
    /// <c>mp_pixel_shuffle_factor</c>. When null, the base config's factor if it divides the SigLIP patch grid,
    /// otherwise the largest factor below it that does (with a warning): SigLIP-224/16's 14×14 grid takes 2, not 4.
    /// </summary>
    public int? PixelShuffleFactor { get; init; }

    /// <summary><c>lm_tie_weights</c>. When null, the language backbone's <c>tie_word_embeddings</c>.</summary>
    public bool? TieWeights { get; init; }

    /// <summary>Seeds the new weights: the extra token rows (and untied head rows) and the modality projector.</summary>
    public int Seed { get; init; }

    /// <summary>Replace a non-empty output folder (<see cref="HfBackboneImporter"/>); refused by default.</summary>
    public bool Overwrite { get; init; }
}
