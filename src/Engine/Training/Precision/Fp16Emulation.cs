using NanoVlm.Engine.Model;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Training.Precision;

/// <summary>
/// fp16 autocast rehearsed on a CPU, where libtorch's fp16 matrix multiply is ~170× slower than fp32: the model
/// computes in float32, but every value an fp16 autocast run would hold in float16 is rounded through float16
/// (<c>x.to(float16).to(float32)</c>): the inputs autocast casts down for linear layers and convolutions, and their
/// outputs (attention's output reaches <c>out_proj</c> as its input). A value beyond ±65504 becomes ±inf exactly
/// where it would on a GPU, and since the rounding is part of the graph, gradients flowing back through those
/// points are rounded through float16 too (so loss scaling matters as it does on a GPU).
/// </summary>
/// <remarks>
/// What it does not reproduce: float16 rounding of the weights themselves and float16 accumulation inside a kernel
/// (GPU kernels accumulate in float32 anyway). Residual streams, norms, softmax, RoPE and the loss are float32 in a
/// real autocast run too. Modules pinned to float32 (<see cref="ModulePins"/>) are left unrounded, as autocast leaves
/// them when it is switched off for their forward.
/// </remarks>
public static class Fp16Emulation
{
    /// <summary>Float16's largest finite value.</summary>
    public const double Fp16Max = 65504;

    /// <summary>Rounds float32 values through float16 (overflowing to ±inf beyond ±65504).</summary>
    public static Tensor RoundThroughFp16(Tensor x) =>
        x.dtype == ScalarType.Float32 ? x.to(ScalarType.Float16).to(ScalarType.Float32) : x;

    /// <summary>
    /// Installs the rounding on every linear layer, convolution and the logits head of the model until disposed, except
    /// in modules covered by <paramref name="pins"/>.
    /// </summary>
    public static IDisposable Attach(VisionLanguageModel model, ModulePins? pins = null)
    {
        var removers = new List<Action>();
        foreach (var (name, module) in model.named_modules())
        {
            if (pins is not null && pins.Covers(name)) continue;
            if (module is Linear or Conv2d or TiedLinearHead && module is nn.Module<Tensor, Tensor> layer)
            {
                removers.Add(layer.register_forward_pre_hook((_, input) => RoundThroughFp16(input)).remove);
                removers.Add(layer.register_forward_hook((_, _, output) => RoundThroughFp16(output)).remove);
            }
        }
        return new HookSet(removers);
    }
}

/// <summary>Removes a set of module hooks on dispose.</summary>
internal sealed class HookSet(IReadOnlyList<Action> removers) : IDisposable
{
    private bool _disposed;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var remove in removers) remove();
    }
}
