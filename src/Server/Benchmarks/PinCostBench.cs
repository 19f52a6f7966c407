using System.Globalization;
using NanoVlm.Engine.Benchmarks;
using NanoVlm.Engine.Runtime;
using NanoVlm.Engine.Training;
using NanoVlm.Server.Cli;

namespace NanoVlm.Server.Benchmarks;

/// <summary><c>bench --pin PRESETS</c>: the step-time cost of pinning a module to fp32, and of the flight recorder (<see cref="PinCostBenchmark"/>).</summary>
internal static class PinCostBench
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string presets, VerbArguments arguments, VerbConsole console, int threads)
    {
        var repeats = arguments.GetInt("repeats", 1, 1000) ?? (arguments.Has("quick") ? 3 : 7);
        var bf16 = DeviceCapabilities.Detect(EngineDevice.Resolve("cpu"));
        var withBf16 = bf16.AutocastAvailable;
        var load = MachineFigures.LoadAverage().OneMinute;
        await console.Out.WriteLineAsync(string.Create(Invariant,
            $"pinning and flight recorder cost ({threads} threads, median of {repeats} interleaved steps; bf16 {(bf16.Bf16Fast ? "fast" : "slow, no avx512_bf16")} here; load average {load:0.0})"));
        await console.Out.WriteLineAsync($"{"preset",-14} {"configuration",-58} {"step ms",9} {"× fp32",7}");
        foreach (var preset in presets.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var row in PinCostBenchmark.Run(preset, warmups: 1, repeats, threads, withBf16))
                await console.Out.WriteLineAsync(string.Create(Invariant, $"{row.Preset,-14} {row.Label,-58} {row.StepMs,9:0.0} {row.RelativeToFp32,7:0.00}"));
        }
        await console.Out.WriteLineAsync(string.Create(Invariant, $"load average {MachineFigures.LoadAverage().OneMinute:0.0} at the end"));
        return 0;
    }
}
