using Microsoft.Extensions.Options;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Runtime;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Precision;

namespace NanoVlm.Server.Engine;

/// <summary>The engine's device and threads, resolved once from configuration for the whole process.</summary>
public sealed class EngineRuntime : ISystemSummaryProvider
{
    private readonly Lazy<TorchRuntimeInfo> _info;
    private readonly Lazy<PrecisionPolicy> _precisions;

    public EngineRuntime(IOptions<EngineOptions> options)
    {
        var settings = options.Value;
        _info = new Lazy<TorchRuntimeInfo>(() =>
        {
            var device = EngineDevice.Resolve(settings.Device);
            EngineThreads.Apply(settings.Threads);
            return TorchRuntimeInfo.Detect(device);
        });
        _precisions = new Lazy<PrecisionPolicy>(() => new PrecisionPolicy(DeviceCapabilities.Of(Info)));
    }

    public TorchRuntimeInfo Info => _info.Value;

    /// <summary>The device runs train on ("cpu", "cuda", "cuda:1"): Engine:Device resolved.</summary>
    public string Device => Info.Device;

    /// <summary>How precisions resolve on this device: what the form shows is what the trainer runs.</summary>
    public PrecisionPolicy Precisions => _precisions.Value;

    public SystemSummary Current => new(
        Info.Device,
        Info.Threads,
        Info.TorchSharpVersion,
        Info.LibTorchVersion,
        Precisions.DescribeSupport());
}
