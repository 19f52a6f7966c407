namespace NanoVlm.Engine.Training.External;

/// <summary>
/// Where the PyTorch engine's package (<c>nanovlm_distributed</c>, src/Distributed) is: the build copies it next to the
/// executable under <c>python/</c>, so a built or published server finds it without a clone; from a clone the source
/// folder works as well. The folder goes on the workers' PYTHONPATH.
/// </summary>
public static class DistributedPackage
{
    public const string ModuleName = "nanovlm_distributed";

    /// <summary>The trainer's module (<c>python3 -m nanovlm_distributed.train</c>).</summary>
    public const string TrainModule = ModuleName + ".train";

    /// <summary>The folder that holds <c>nanovlm_distributed/</c>: the configured one, else the copy beside the executable.</summary>
    /// <exception cref="DirectoryNotFoundException">the package is not there (the message says where it was looked for)</exception>
    public static string Resolve(string? configured = null)
    {
        var candidates = configured is { Length: > 0 } ? [Path.GetFullPath(configured)] : new[] { Path.Combine(AppContext.BaseDirectory, "python") };
        foreach (var candidate in candidates)
        {
            if (File.Exists(Path.Combine(candidate, ModuleName, "train.py"))) return candidate;
        }
        throw new DirectoryNotFoundException(
            $"The PyTorch engine's package ({ModuleName}/train.py) is not in {string.Join(" or ", candidates)}. " +
            "Build the server (it copies src/Distributed/nanovlm_distributed there), or point Engines:PythonPackage at a folder that holds it (src/Distributed of a clone).");
    }
}
