using System.Diagnostics;

namespace NanoVlm.Server.Tests.Distributed;

/// <summary>
/// The PyTorch engine (src/Distributed) run as a separate process, as a user runs it: Debian's python3 (or
/// NANOVLM_PYTHON) with the package on PYTHONPATH. ./test.sh installs python3-torch; without it these tests fail and
/// say so, rather than pass without checking anything.
/// </summary>
internal static class PythonEngine
{
    public static string Python => Environment.GetEnvironmentVariable("NANOVLM_PYTHON") ?? "/usr/bin/python3";

    public static string PackageRoot => Path.Combine(RepositoryRoot(), "src", "Distributed");

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string Describe() => $"exit code {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
    }

    /// <summary>Runs <c>python3 -m MODULE ARGS</c> and waits (at most <paramref name="timeout"/>).</summary>
    public static async Task<Result> RunModule(string module, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        if (!File.Exists(Python))
            Assert.Fail($"{Python} does not exist: install Debian's python3-torch python3-numpy libopenblas0-pthread (./test.sh does as root), or set NANOVLM_PYTHON.");
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-m");
        start.ArgumentList.Add(module);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["PYTHONPATH"] = PackageRoot;
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"python3 -m {module} did not finish within {timeout ?? TimeSpan.FromMinutes(3)}: {await error}");
        }
        var result = new Result(process.ExitCode, await output, await error);
        if (result.Error.Contains("No module named 'torch'", StringComparison.Ordinal))
            Assert.Fail($"{Python} has no torch: install Debian's python3-torch python3-numpy libopenblas0-pthread (./test.sh does as root).");
        return result;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "NanoVlm.Web.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("The repository root (NanoVlm.Web.sln) is not above the test's folder.");
    }
}
