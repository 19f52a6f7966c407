using NanoVlm.Engine.Model;
using NanoVlm.Engine.Training.Precision;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Training.Guard;

/// <summary>One module call seen by an <see cref="ActivationProbe"/>.</summary>
/// <param name="Module">state-dict style name ("decoder.blocks.2.mlp.down_proj")</param>
/// <param name="InputMaxAbs">largest |input| (NaN when the input held a NaN)</param>
/// <param name="OutputMaxAbs">largest |output| (NaN/inf when non-finite)</param>
/// <param name="OutputFinite">whether every output value was finite</param>
public sealed record ModuleActivation(string Module, double InputMaxAbs, double OutputMaxAbs, bool OutputFinite);

/// <summary>
/// Watches every module that takes and returns one tensor (linear layers, convolutions, norms, MLPs, ViT blocks,
/// embeddings, projector) while attached: the largest |input| and |output| of each call, in the order the calls
/// finish (so a layer comes before the block that contains it). The numbers stay on the device until
/// <see cref="Read"/>, which syncs once.
/// </summary>
/// <remarks>
/// Attach it after any hook that changes outputs (the fp16 emulation) so it sees what the next layer receives.
/// Only a forward pass run while attached is observed; the calls are kept in the caller's dispose scope.
/// </remarks>
public sealed class ActivationProbe : IDisposable
{
    private readonly List<(string Module, Tensor InputMax, Tensor OutputMax, Tensor Finite)> _calls = [];
    private readonly HookSet _hooks;

    private ActivationProbe(VisionLanguageModel model)
    {
        var removers = new List<Action>();
        foreach (var (name, module) in model.named_modules())
        {
            if (name.Length == 0 || module is not nn.Module<Tensor, Tensor> observed) continue;
            var moduleName = name;
            removers.Add(observed.register_forward_hook((_, input, output) =>
            {
                using var noGrad = no_grad();
                var outputMax = MaxAbs(output);
                _calls.Add((moduleName, MaxAbs(input), outputMax, outputMax.isfinite())); // max |a| is finite exactly when every value is
                return output;
            }).remove);
        }
        _hooks = new HookSet(removers);
    }

    public static ActivationProbe Attach(VisionLanguageModel model) => new(model);

    /// <summary>Every call observed so far, in completion order (one device sync).</summary>
    public IReadOnlyList<ModuleActivation> Read()
    {
        if (_calls.Count == 0) return [];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var inputs = stack(_calls.Select(c => c.InputMax).ToArray()).to(ScalarType.Float64, CPU).data<double>().ToArray();
        var outputs = stack(_calls.Select(c => c.OutputMax).ToArray()).to(ScalarType.Float64, CPU).data<double>().ToArray();
        var finite = stack(_calls.Select(c => c.Finite).ToArray()).to(CPU).data<bool>().ToArray();
        return _calls.Select((c, i) => new ModuleActivation(c.Module, inputs[i], outputs[i], finite[i])).ToArray();
    }

    /// <summary>The largest |output| per module over all observed calls, largest first.</summary>
    public static IReadOnlyList<(string Module, double MaxAbs)> MaxPerModule(IEnumerable<ModuleActivation> calls) => calls
        .GroupBy(c => c.Module)
        .Select(g => (g.Key, g.Max(c => c.OutputFinite ? c.OutputMaxAbs : double.PositiveInfinity)))
        .OrderByDescending(m => m.Item2)
        .ToArray();

    public void Dispose() => _hooks.Dispose();

    /// <summary>
    /// max |t| from the largest and smallest value: two reductions and no full-size temporary (an <c>abs()</c> copy of
    /// every module's input and output would stay alive in the step's dispose scope and double a probed step's memory).
    /// NaN and ±inf propagate, so the result is non-finite exactly when some value is.
    /// </summary>
    private static Tensor MaxAbs(Tensor t)
    {
        if (t.numel() == 0) return zeros(1, dtype: ScalarType.Float32, device: t.device).squeeze();
        var values = t.detach();
        return maximum(values.max().abs(), values.min().abs()).to(ScalarType.Float32);
    }
}
