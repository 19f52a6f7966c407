using System.Reflection;
using TorchSharp;

namespace NanoVlm.Engine.Runtime;

/// <summary>What the engine runs on: device, threads, library versions and which precisions work.</summary>
public sealed record TorchRuntimeInfo(
    string Device,
    int Threads,
    int LogicalCores,
    string TorchSharpVersion,
    string LibTorchVersion,
    CpuFeatures Cpu,
    bool AutocastAvailable,
    string? AutocastProblem,
    bool Bf16Fast,
    bool Fp16Fast)
{
    public bool Bf16AutocastAvailable => AutocastAvailable;

    public bool Fp16AutocastAvailable => AutocastAvailable;

    public static TorchRuntimeInfo Detect(EngineDevice device)
    {
        var cpu = CpuFeatures.Detect();
        var autocast = LibTorchAutocast.TryGet(out var problem);
        var onCuda = device.IsCuda;
        return new TorchRuntimeInfo(
            Device: device.Name,
            Threads: torch.get_num_threads(),
            LogicalCores: Environment.ProcessorCount,
            TorchSharpVersion: typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
                ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown",
            LibTorchVersion: torch.__version__,
            Cpu: cpu,
            AutocastAvailable: autocast is not null,
            AutocastProblem: problem,
            // On CPU, bf16 GEMMs are fast only with avx512_bf16/AMX; fp16 has no fast CPU GEMM in libtorch.
            Bf16Fast: onCuda || cpu.FastBf16,
            Fp16Fast: onCuda);
    }
}
