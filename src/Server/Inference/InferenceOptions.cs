using Microsoft.Extensions.Options;

namespace NanoVlm.Server.Inference;

/// <summary>The "Inference" section: upload limits and how much memory loaded models may take.</summary>
public sealed class InferenceOptions
{
    public const string Section = "Inference";

    public int MaxUploadMegabytes { get; set; } = 20;

    public int MaxUploadMegapixels { get; set; } = 40;

    /// <summary>What the image decoder itself may allocate for one image.</summary>
    public int DecoderAllocationMegabytes { get; set; } = 512;

    /// <summary>Loaded models are evicted, least recently used first, to stay within this.</summary>
    public int ModelCacheMegabytes { get; set; } = 2048;

    /// <summary>Intra-op threads of the inference thread; 0 = all cores.</summary>
    public int Threads { get; set; }
}

public sealed class InferenceOptionsValidator : IValidateOptions<InferenceOptions>
{
    public ValidateOptionsResult Validate(string? name, InferenceOptions options)
    {
        var errors = new List<string>();
        if (options.MaxUploadMegabytes is < 1 or > 1024) errors.Add($"Inference:MaxUploadMegabytes is {options.MaxUploadMegabytes}; use 1 to 1024.");
        if (options.MaxUploadMegapixels is < 1 or > 1000) errors.Add($"Inference:MaxUploadMegapixels is {options.MaxUploadMegapixels}; use 1 to 1000.");
        if (options.DecoderAllocationMegabytes is < 16 or > 16384) errors.Add($"Inference:DecoderAllocationMegabytes is {options.DecoderAllocationMegabytes}; use 16 to 16384.");
        if (options.ModelCacheMegabytes < 1) errors.Add($"Inference:ModelCacheMegabytes is {options.ModelCacheMegabytes}; it must be positive.");
        if (options.Threads is < 0 or > 1024) errors.Add($"Inference:Threads is {options.Threads}; use 0 (all cores) to 1024.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
