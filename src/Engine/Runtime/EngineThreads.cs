using TorchSharp;

namespace NanoVlm.Engine.Runtime;

/// <summary>Applies the intra-op thread count; 0 means "all logical cores".</summary>
public static class EngineThreads
{
    public static int Apply(int requested)
    {
        if (requested < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(requested), requested, "Thread count must be 0 (all cores) or positive.");
        }
        var threads = requested == 0 ? Environment.ProcessorCount : requested;
        torch.set_num_threads(threads);
        return threads;
    }
}
