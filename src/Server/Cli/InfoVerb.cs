using System.Globalization;
using System.Text.Json;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Runtime;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Precision;
using NanoVlm.Server.Engine;
using NanoVlm.Server.Hosting;

namespace NanoVlm.Server.Cli;

/// <summary>`info`: the device, threads, library versions and which precisions this machine can run.</summary>
public sealed class InfoVerb : IVerb
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string Name => "info";

    public string Summary => "print the engine's device, threads, TorchSharp/libtorch versions and precision support";

    public IReadOnlyList<VerbOption> Options { get; } =
    [
        new("device", "DEVICE", "auto, cpu, cuda or cuda:N (default: Engine:Device)"),
        new("threads", "N", "intra-op threads, 0 = all cores (default: Engine:Threads)"),
        new("json", null, "print JSON instead of a table"),
    ];

    public async Task<int> RunAsync(VerbArguments arguments, VerbConsole console, CancellationToken cancellationToken)
    {
        var configuration = AppConfiguration.BuildForVerb(arguments.ConfigurationOverrides);
        var settings = configuration.GetSection(EngineOptions.Section).Get<EngineOptions>() ?? new EngineOptions();
        EngineDevice device;
        try
        {
            device = EngineDevice.Resolve(arguments.GetString("device") ?? settings.Device);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        EngineThreads.Apply(arguments.GetInt("threads", 0, 1024) ?? settings.Threads);
        var info = TorchRuntimeInfo.Detect(device);
        var precisions = new PrecisionPolicy(DeviceCapabilities.Of(info)).Support();

        if (arguments.Has("json"))
        {
            var report = new
            {
                info.Device,
                info.Threads,
                info.LogicalCores,
                TorchSharp = info.TorchSharpVersion,
                LibTorch = info.LibTorchVersion,
                CpuFlags = info.Cpu.Summary,
                Bf16Autocast = info.Bf16AutocastAvailable,
                Fp16Autocast = info.Fp16AutocastAvailable,
                info.Bf16Fast,
                info.Fp16Fast,
                info.AutocastProblem,
            };
            await console.Out.WriteLineAsync(JsonSerializer.Serialize(report, Json));
            return CommandLine.Success;
        }

        await console.Out.WriteLineAsync($"device          {info.Device}");
        await console.Out.WriteLineAsync($"threads         {info.Threads} (of {info.LogicalCores} logical cores)");
        await console.Out.WriteLineAsync($"TorchSharp      {info.TorchSharpVersion}");
        await console.Out.WriteLineAsync($"libtorch        {info.LibTorchVersion}");
        await console.Out.WriteLineAsync($"CPU flags       {info.Cpu.Summary}");
        foreach (var (name, status) in precisions)
        {
            var label = name == "fp32" ? "fp32" : $"{name} autocast";
            await console.Out.WriteLineAsync($"{label,-15} {status}");
        }
        await console.Out.WriteLineAsync();
        await console.Out.WriteLineAsync("model presets (parameters with the built-in tokenizer: vision + projector + language = total)");
        foreach (var name in ModelPresets.Names)
        {
            var count = ParameterCount.Of(ModelPresets.Get(name, VlmLoader.BuiltInBaseVocabSize));
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-14} {count.VisionEncoder,13:N0} + {count.ModalityProjector,11:N0} + {count.Decoder,13:N0} = {count.Total,13:N0}"));
        }
        if (info.AutocastProblem is not null)
        {
            await console.Error.WriteLineAsync(info.AutocastProblem);
        }
        return CommandLine.Success;
    }
}
