namespace NanoVlm.Client.Services;

/// <summary>What the app bar shows about the machine the engine runs on.</summary>
public sealed record SystemSummary(string Device, int Threads, string TorchSharpVersion, string LibTorchVersion, string Precisions);

/// <summary>Supplies <see cref="SystemSummary"/>; implemented by the server over the engine.</summary>
public interface ISystemSummaryProvider
{
    SystemSummary Current { get; }
}
