namespace NanoVlm.Engine.Refusals;

/// <summary>
/// A weights file whose tensors do not match the model its <c>config.json</c> describes, found from the safetensors
/// header alone (no weights read). Names the first mismatching tensor with both shapes, and how many differ in all.
/// </summary>
public sealed class CheckpointShapeMismatchException : RefusalException
{
    public CheckpointShapeMismatchException(string weightsFile, string tensor, string inFile, string fromConfig, int mismatchCount, string? detail)
        : base($"{weightsFile} does not match its config.json: the first mismatching tensor is {tensor}, {inFile} in the file but {fromConfig} from config.json" +
               (mismatchCount > 1 ? $" ({mismatchCount} tensors differ in all)" : "") + "." + (detail is null ? "" : " " + detail) +
               " Put the config.json these weights were saved with beside them (nanoVLM's save_pretrained writes the two together), or choose another checkpoint.")
    {
        Tensor = tensor;
        ShapeInFile = inFile;
        ShapeFromConfig = fromConfig;
        MismatchCount = mismatchCount;
    }

    public CheckpointShapeMismatchException()
    {
    }

    public CheckpointShapeMismatchException(string message) : base(message)
    {
    }

    public CheckpointShapeMismatchException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The first tensor (in the model's state-dict order) that differs.</summary>
    public string Tensor { get; } = "";

    /// <summary>Its shape in the file, "[a, b]", or "absent".</summary>
    public string ShapeInFile { get; } = "";

    /// <summary>The shape config.json implies, "[a, b]", or "absent" (the config has no such tensor).</summary>
    public string ShapeFromConfig { get; } = "";

    /// <summary>How many tensors differ (missing, unexpected or mis-shaped).</summary>
    public int MismatchCount { get; }
}
