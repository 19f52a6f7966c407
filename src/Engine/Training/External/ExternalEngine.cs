namespace NanoVlm.Engine.Training.External;

/// <summary>Where a run trains: this process (TorchSharp), torchrun on this machine, or a Slurm cluster (both PyTorch DDP).</summary>
public enum ExternalEngine
{
    InProcess,
    Torchrun,
    Slurm,
}

/// <summary>The engines' names in settings, the API and the command line.</summary>
public static class ExternalEngineNames
{
    public const string InProcess = "in-process";
    public const string Torchrun = "torchrun";
    public const string Slurm = "slurm";

    public static IReadOnlyList<string> All { get; } = [InProcess, Torchrun, Slurm];

    public static string Name(ExternalEngine engine) => engine switch
    {
        ExternalEngine.Torchrun => Torchrun,
        ExternalEngine.Slurm => Slurm,
        _ => InProcess,
    };

    /// <exception cref="FormatException">not an engine's name (the message lists them)</exception>
    public static ExternalEngine Parse(string? text, string what = "engine") => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or InProcess => ExternalEngine.InProcess,
        Torchrun => ExternalEngine.Torchrun,
        Slurm => ExternalEngine.Slurm,
        _ => throw new FormatException($"{what} must be {string.Join(", ", All)}; got '{text}'."),
    };
}
