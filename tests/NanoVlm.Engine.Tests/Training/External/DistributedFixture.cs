using System.Text.Json;
using NanoVlm.Engine.Inference;
using NanoVlm.Engine.Model;
using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.External;
using NanoVlm.Engine.Training.Sources;

namespace NanoVlm.Engine.Tests.Training.External;

/// <summary>
/// What the torchrun tests share: the Python interpreter with PyTorch (found as the server finds it; a machine without
/// one fails these tests with the message that says what to install, as ./test.sh installs it as root), the engine's
/// package beside the test assembly, and shards of a micro model packed once.
/// </summary>
public sealed class DistributedFixture : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly Lazy<PythonRuntime> _python = new(() => PythonRuntimes.Find(Environment.GetEnvironmentVariable("NANOVLM_PYTHON")));

    public DistributedFixture()
    {
        Shards = _temp.File("shards");
        TrainingDataPacker.Pack(new PackRequest { Config = Config(), Folder = Shards, TrainSamples = 16, ValidationSamples = 8 });
        ConfigFile = _temp.File("micro.json");
        File.WriteAllText(ConfigFile, JsonSerializer.Serialize(Config(), RunFiles.Json));
    }

    /// <summary>A micro model on synthetic:easy pages (2×2 tiles + a global view of 4 placeholders), batch 2 per process.</summary>
    public static TrainingConfig Config() => TrainingPresets.Tiny(VlmLoader.BuiltInBaseVocabSize) with
    {
        ModelPreset = "micro",
        Model = ModelPresets.Tiny(VlmLoader.BuiltInBaseVocabSize) with
        {
            VitHiddenDim = 32, VitInterDim = 64, VitPatchSize = 16, VitNHeads = 2, VitNBlocks = 1,
            LmHiddenDim = 32, LmInterDim = 64, LmNBlocks = 2, MpImageTokenLength = 4,
        },
        Precision = PrecisionMode.Fp32,
        MaxSteps = 3,
        BatchSize = 2,
        MaxLength = 64,
        EvalInterval = 0,
        ValBatches = 1,
        CheckpointInterval = 0,
        HeadroomInterval = 0,
        Threads = 1,
        Seed = 5,
    };

    public string Shards { get; }

    public string ConfigFile { get; }

    public PythonRuntime Python
    {
        get
        {
            try
            {
                return _python.Value;
            }
            catch (ExternalEngineUnavailableException e)
            {
                Assert.Fail(e.Message);
                throw;
            }
        }
    }

    public string NewFolder(string name) => _temp.File($"{name}-{Guid.NewGuid():N}");

    public void Dispose() => _temp.Dispose();
}
