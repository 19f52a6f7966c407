using NanoVlm.Engine.Runtime;

namespace NanoVlm.Server.Services;

/// <summary>One-line and per-precision descriptions of what this machine can run, for the UI and verbs.</summary>
public static class PrecisionSupport
{
    public static string Describe(TorchRuntimeInfo info) =>
        string.Join(", ", Rows(info).Select(row => $"{row.Name} {row.Status}"));

    public static IReadOnlyList<(string Name, string Status)> Rows(TorchRuntimeInfo info)
    {
        if (!info.AutocastAvailable)
        {
            return [("fp32", "available"), ("bf16", "unavailable"), ("fp16", "unavailable")];
        }
        return
        [
            ("fp32", "available"),
            ("bf16", info.Bf16Fast ? "available (fast)" : "available (emulated: slower than fp32)"),
            ("fp16", info.Fp16Fast ? "available (fast)" : "available (emulated on CPU: very slow, not for training)"),
        ];
    }
}
