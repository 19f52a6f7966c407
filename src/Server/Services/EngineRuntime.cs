using Microsoft.Extensions.Options;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Runtime;
using NanoVlm.Server.Hosting;

namespace NanoVlm.Server.Services;

/// <summary>The engine's device and threads, resolved once from configuration for the whole process.</summary>
public sealed class EngineRuntime : ISystemSummaryProvider
{
    private readonly Lazy<TorchRuntimeInfo> _info;

    public EngineRuntime(IOptions<EngineOptions> options)
    {
        var settings = options.Value;
        _info = new Lazy<TorchRuntimeInfo>(() =>
        {
            var device = EngineDevice.Resolve(settings.Device);
            EngineThreads.Apply(settings.Threads);
            return TorchRuntimeInfo.Detect(device);
        });
    }

    public TorchRuntimeInfo Info => _info.Value;

    public SystemSummary Current => new(
        Info.Device,
        Info.Threads,
        Info.TorchSharpVersion,
        Info.LibTorchVersion,
        PrecisionSupport.Describe(Info));
}
