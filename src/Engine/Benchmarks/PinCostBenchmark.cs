using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Runtime;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Precision;
using NanoVlm.Engine.Training.Sources;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Benchmarks;

/// <summary>One configuration of <see cref="PinCostBenchmark"/>: its median guarded step in milliseconds.</summary>
/// <param name="Label">"fp32", "fp16-emulated", "fp16-emulated + pin decoder.blocks.0.mlp.down_proj", "fp32, recorder off", ...</param>
public sealed record PinCostRow(string Preset, string Label, double StepMs, double RelativeToFp32);

/// <summary>
/// What pinning costs, and what the flight recorder costs: the trainer's guarded step (<see cref="OptimizerStep"/>) of a
/// preset in fp32, in fp16 (emulated on a CPU), in fp16 with the first block's <c>mlp.down_proj</c> pinned to float32,
/// in bf16 (where autocast has it), and in fp32 with the flight recorder off, timed in alternation on the same few real
/// <c>synthetic:easy</c> batches. Each configuration has its own model and session (same seed).
/// </summary>
public static class PinCostBenchmark
{
    public const string PinnedModule = "decoder.blocks.0.mlp.down_proj";
    private const int PreparedBatches = 4;

    public static IReadOnlyList<PinCostRow> Run(string preset, int warmups, int repeats, int threads, bool withBf16)
    {
        var config = TrainingPresets.Get(preset, VlmLoader.BuiltInBaseVocabSize) with { Threads = threads, Seed = 1, HeadroomInterval = 0 };
        EngineThreads.Apply(threads);
        var data = TrainingDataFactory.Create(config).Data;
        var batches = Enumerable.Range(0, PreparedBatches).Select(_ => data.NextBatch(config.BatchSize)).ToList();
        var plans = new List<(string Label, ComputePrecision Precision, ModulePins Pins, int Recorder)>
        {
            ("fp32", ComputePrecision.Fp32, ModulePins.None, config.FlightRecorderSteps),
            ("fp32, flight recorder off", ComputePrecision.Fp32, ModulePins.None, 0),
            ("fp16-emulated", ComputePrecision.Fp16Emulated, ModulePins.None, config.FlightRecorderSteps),
            ($"fp16-emulated + pin {PinnedModule}", ComputePrecision.Fp16Emulated, new ModulePins([PinnedModule]), config.FlightRecorderSteps),
        };
        if (withBf16) plans.Add(("bf16", ComputePrecision.Bf16, ModulePins.None, config.FlightRecorderSteps));
        var sessions = new List<TrainingSession>();
        var models = new List<VisionLanguageModel>();
        try
        {
            foreach (var plan in plans)
            {
                manual_seed(config.Seed);
                var model = new VisionLanguageModel(config.ResolveModel());
                model.train();
                models.Add(model);
                var session = new TrainingSession(config with { FlightRecorderSteps = plan.Recorder }, model, new ReplayedBatches(batches), plan.Precision, onCuda: false)
                {
                    Pins = plan.Pins,
                };
                sessions.Add(session);
            }
            var times = Measure.InterleavedMedianMilliseconds([.. sessions.Select(s => (Action)(() => Step(s)))], warmups, repeats);
            return [.. plans.Select((p, i) => new PinCostRow(preset, p.Label, times[i], times[i] / times[0]))];
        }
        finally
        {
            foreach (var session in sessions) session.Dispose();
            foreach (var model in models) model.Dispose();
            foreach (var batch in batches)
            {
                batch.InputIds.Dispose();
                batch.AttentionMask.Dispose();
                batch.Labels.Dispose();
                batch.PixelValues?.Dispose();
            }
        }
    }

    private static void Step(TrainingSession session)
    {
        // A step that overflows or backs the loss scale off still costs what it costs; the benchmark times, it does not train.
        OptimizerStep.Run(session, faults: null, measureHeadroom: false);
        session.Step++;
    }
}
