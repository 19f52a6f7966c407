using System.Globalization;
using NanoVlm.Engine.Tests.Model;
using NanoVlm.Engine.Training;
using NanoVlm.Engine.Training.Events;
using Xunit.Abstractions;

namespace NanoVlm.Engine.Tests.Training;

/// <summary>
/// The memory of a long run, sampled as it trains: a real <see cref="TrainingRun"/> (its own thread, the trainer, the
/// event hub, the run folder's files) for 50,000 steps of the micro model, which publishes exactly the events a
/// <c>tiny</c> run publishes per step, about 60 times faster. Prints the managed heap (after a full collection) and the
/// resident set every 5,000 steps, and checks the heap stays flat: nothing may be kept per step. A measurement, not
/// a test (several minutes): <c>dotnet test tests/NanoVlm.Engine.Tests -c Release --filter "FullyQualifiedName~LongRunMemoryMeasurement"
/// --logger "console;verbosity=detailed"</c>; <c>NANOVLM_LONG_RUN_STEPS</c> changes the step count.
/// </summary>
[Trait("Category", "Measurement")]
[Collection(nameof(MeasuredAlone))]
public sealed class LongRunMemoryMeasurement(ITestOutputHelper output)
{
    private const double Mib = 1024.0 * 1024.0;

    [Fact]
    public async Task The_memory_of_a_fifty_thousand_step_run_is_flat()
    {
        var steps = int.TryParse(Environment.GetEnvironmentVariable("NANOVLM_LONG_RUN_STEPS"), CultureInfo.InvariantCulture, out var n) ? n : 50_000;
        var every = Math.Max(1, steps / 10);
        using var folder = new TempDirectory();
        var config = TrainingFixtures.Micro(steps) with { Threads = 1 };
        using var files = new RunFiles(folder.Path, config, tensorBoard: false);
        var progress = new StepCounter();
        var samples = new List<(int Step, double HeapMib, double ResidentMib, double Seconds)>();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        using (var run = TrainingRun.Start(config, () => new SyntheticBatches(config.ResolveModel()), new TrainerOptions(), files))
        using (run.Subscribe(progress.Publish))
        {
            var next = every;
            while (!run.Completion.IsCompleted)
            {
                await Task.WhenAny(run.Completion, Task.Delay(200));
                if (progress.Step >= next)
                {
                    samples.Add((progress.Step, GC.GetTotalMemory(forceFullCollection: true) / Mib, ResidentBytes() / Mib, clock.Elapsed.TotalSeconds));
                    next += every;
                }
            }
            Assert.Equal(TrainingState.Completed, (await run.Completion).State);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{steps} steps of the micro model in {clock.Elapsed.TotalSeconds:0} s ({steps / clock.Elapsed.TotalSeconds:0} steps/s)"));
        output.WriteLine("    step   managed heap   resident set");
        foreach (var (step, heap, resident, _) in samples)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{step,8}   {heap,8:0.0} MiB   {resident,8:0.0} MiB"));
        // From the second sample on (the first includes warm-up), the heap may wander with the collector's timing but
        // must not climb with the steps: an event kept per step (a few hundred bytes) would add 10+ MiB over 40,000 steps.
        var growth = samples[^1].HeapMib - samples[1].HeapMib;
        var perThousand = growth / (samples[^1].Step - samples[1].Step) * 1000;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"managed heap from step {samples[1].Step} to {samples[^1].Step}: {growth:+0.00;-0.00} MiB ({perThousand * 1024:+0.0;-0.0} KiB per 1,000 steps)"));
        Assert.True(perThousand * 1024 < 32, $"the managed heap grows {perThousand * 1024:0.0} KiB per 1,000 steps");
    }

    /// <summary>The latest step, read by the measuring thread.</summary>
    private sealed class StepCounter : ITrainingEventSink
    {
        private int _step;

        public int Step => Volatile.Read(ref _step);

        public void Publish(TrainingEvent trainingEvent) => Volatile.Write(ref _step, trainingEvent.Step);
    }

    private static long ResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
