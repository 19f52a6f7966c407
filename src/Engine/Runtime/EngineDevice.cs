using TorchSharp;

namespace NanoVlm.Engine.Runtime;

/// <summary>The device the engine computes on, resolved from a setting ("auto", "cpu", "cuda", "cuda:1").</summary>
public sealed record EngineDevice(string Name)
{
    public bool IsCuda => Name.StartsWith("cuda", StringComparison.Ordinal);

    public torch.Device ToTorch() => new(Name);

    /// <summary>Resolves a device setting; "auto" picks CUDA when libtorch sees a GPU, else the CPU.</summary>
    public static EngineDevice Resolve(string setting)
    {
        var value = (setting ?? "auto").Trim().ToLowerInvariant();
        if (value is "" or "auto")
        {
            return new EngineDevice(torch.cuda.is_available() ? "cuda" : "cpu");
        }
        if (value == "cpu")
        {
            return new EngineDevice("cpu");
        }
        if (value == "cuda" || (value.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(value[5..], out _)))
        {
            if (!torch.cuda.is_available())
            {
                throw new InvalidOperationException(
                    $"Device '{setting}' was requested but libtorch sees no CUDA device (this build ships the CPU libtorch). Set Engine:Device to \"cpu\" or \"auto\".");
            }
            return new EngineDevice(value);
        }
        throw new ArgumentException($"Unknown device '{setting}': use \"auto\", \"cpu\", \"cuda\" or \"cuda:N\".", nameof(setting));
    }
}
