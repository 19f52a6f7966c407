using NanoVlm.Engine.Benchmarks;
using NanoVlm.Engine.Model;

namespace NanoVlm.Server.Benchmarks;

/// <summary>One of the speed and memory targets, the figure it applies to, and whether it is met.</summary>
/// <param name="Met">null where the target does not apply on this machine or to this run (see <paramref name="Note"/>)</param>
internal sealed record TargetCheck(string Name, string Description, double Value, string Target, bool? Met, string? Note = null);

/// <summary>The targets of the benchmarks issue, checked against a run's figures (printed and reported, never asserted).</summary>
internal static class BenchTargets
{
    public const double MinSmallFp32Mfu = 0.40;
    public const double MinBf16Speedup = 1.2;
    public const double MaxGuardCostPercent = 3;
    public const double MinKvCacheSpeedup = 3;
    public const int KvCacheTargetTokens = 64;
    public const double MemoryTolerance = 0.25;

    public static TargetCheck[] Check(MachineFigures machine, TrainingFigures[] training, GenerationFigures[] generation, MemoryFigures[] memory)
    {
        var checks = new List<TargetCheck>();
        var smallFp32 = training.FirstOrDefault(t => t.Preset == ModelPresets.SmallName && t.Precision == "fp32");
        var smallBf16 = training.FirstOrDefault(t => t.Preset == ModelPresets.SmallName && t.Precision == "bf16");
        if (smallFp32 is not null)
        {
            checks.Add(new TargetCheck("small_fp32_mfu", "model FLOPs utilisation of small in fp32, of the fp32 matmul peak",
                smallFp32.MfuOfFp32Peak, $">= {MinSmallFp32Mfu:0.00}", smallFp32.MfuOfFp32Peak >= MinSmallFp32Mfu));
        }
        if (smallFp32 is not null && smallBf16 is not null)
        {
            var speedup = smallBf16.TokensPerSecond / smallFp32.TokensPerSecond;
            checks.Add(new TargetCheck("small_bf16_speedup", "bf16 tokens/s over fp32 tokens/s for small",
                speedup, $">= {MinBf16Speedup:0.0} where avx512_bf16", machine.Avx512Bf16 ? speedup >= MinBf16Speedup : null,
                machine.Avx512Bf16 ? null : "no avx512_bf16 on this CPU: bf16 is emulated, the target does not apply"));
        }
        if (training.Length > 0)
        {
            var worst = training.MaxBy(t => t.GuardCostPercent)!;
            checks.Add(new TargetCheck("nan_guard_cost_percent", $"the NaN guard's cost in % of step time, worst row ({worst.Preset} {worst.Precision})",
                worst.GuardCostPercent, $"<= {MaxGuardCostPercent:0}", worst.GuardCostPercent <= MaxGuardCostPercent));
        }
        if (generation.Length > 0)
        {
            var worst = generation.MinBy(g => g.Speedup)!;
            var comparable = worst.NewTokens == KvCacheTargetTokens;
            checks.Add(new TargetCheck("kv_cache_speedup", $"KV-cache decoding over recomputation, worst preset ({worst.Preset}), {worst.NewTokens} new tokens",
                worst.Speedup, $">= {MinKvCacheSpeedup:0} at {KvCacheTargetTokens} new tokens", comparable ? worst.Speedup >= MinKvCacheSpeedup : null,
                comparable ? null : $"measured at {worst.NewTokens} new tokens, not {KvCacheTargetTokens}"));
        }
        if (memory.Length > 0)
        {
            var worst = memory.MaxBy(m => Math.Abs(m.MeasuredOverEstimated - 1))!;
            checks.Add(new TargetCheck("memory_measured_over_estimated", $"measured peak memory over the estimate, farthest from 1 ({worst.Preset} {worst.Precision})",
                worst.MeasuredOverEstimated, $"{1 - MemoryTolerance:0.00}-{1 + MemoryTolerance:0.00}", Math.Abs(worst.MeasuredOverEstimated - 1) <= MemoryTolerance));
        }
        return [.. checks];
    }
}
