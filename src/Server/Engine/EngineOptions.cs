using Microsoft.Extensions.Options;

namespace NanoVlm.Server.Engine;

/// <summary>The "Engine" configuration section.</summary>
public sealed class EngineOptions
{
    public const string Section = "Engine";

    /// <summary>"auto", "cpu", "cuda" or "cuda:N".</summary>
    public string Device { get; set; } = "auto";

    /// <summary>Intra-op threads for TorchSharp; 0 = all logical cores.</summary>
    public int Threads { get; set; }
}

/// <summary>Reports every problem of the Engine section at once.</summary>
public sealed class EngineOptionsValidator : IValidateOptions<EngineOptions>
{
    private static readonly string[] KnownDevices = ["auto", "cpu", "cuda"];

    public ValidateOptionsResult Validate(string? name, EngineOptions options)
    {
        var errors = new List<string>();
        var device = options.Device?.Trim().ToLowerInvariant() ?? "";
        var isCudaIndex = device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device[5..], out var index) && index >= 0;
        if (!KnownDevices.Contains(device) && !isCudaIndex)
        {
            errors.Add($"Engine:Device is '{options.Device}'; use \"auto\", \"cpu\", \"cuda\" or \"cuda:N\".");
        }
        if (options.Threads < 0 || options.Threads > 1024)
        {
            errors.Add($"Engine:Threads is {options.Threads}; use 0 (all cores) or a count between 1 and 1024.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
