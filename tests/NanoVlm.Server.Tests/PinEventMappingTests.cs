using NanoVlm.Client.Services;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Server.Runs;

namespace NanoVlm.Server.Tests;

/// <summary>The engine's pin events and NaN alerts with a flight recorder, as the dashboard receives them.</summary>
public sealed class PinEventMappingTests
{
    [Fact]
    public void A_pin_event_becomes_a_pin_run_event_with_the_pinned_modules()
    {
        var pin = new PinEvent
        {
            Step = 25,
            Added = ["decoder.blocks.0.mlp.down_proj"],
            Pinned = ["decoder.blocks.0.mlp.down_proj"],
            ParameterFraction = 0.0123,
            Reason = "fp16-emulated overflowed",
        };

        var info = RunEventMapper.ToEvent("r1", pin)!;

        Assert.Equal(("pin", 25L), (info.Kind, info.Step));
        Assert.StartsWith("Pinned decoder.blocks.0.mlp.down_proj to float32", info.Message, StringComparison.Ordinal);
        Assert.Equal("decoder.blocks.0.mlp.down_proj", info.Details["pinned"]);
        Assert.Equal("1.23 %", info.Details["parameters in float32"]);
    }

    [Fact]
    public void A_nan_alert_carries_its_flight_recorder_and_pin_candidates_to_the_dashboard_non_finite_values_included()
    {
        var alert = new AlertEvent
        {
            Step = 26,
            Kind = AlertKind.Nan,
            Message = "Non-finite loss at step 26",
            Action = "rolled back and pinned",
            Diagnosis = new NanDiagnosisReport
            {
                Verdict = NanVerdicts.PrecisionOverflow,
                Explanation = "overflow",
                FailedStep = 26,
                SampleIds = ["s1"],
                LearningRates = new Dictionary<string, double>(),
                Precision = "fp16-emulated",
                Symptom = "loss",
                Module = "decoder.blocks.0.mlp.down_proj",
                Float32Finite = true,
                PinCandidates = ["decoder.blocks.0.mlp.down_proj"],
            },
            FlightRecorder =
            [
                new FlightRecord { Step = 25, Status = "applied", Loss = 2.4, GradNorm = 2.1, LossScale = 65536, Precision = "fp16-emulated",
                    Modules = [new ModuleMaxAbs("decoder.blocks.0.mlp.down_proj", 40450)], SampleIds = ["a", "b"] },
                new FlightRecord { Step = 26, Status = "failed", Loss = double.NaN, GradNorm = double.PositiveInfinity, LossScale = 65536, Precision = "fp16-emulated",
                    Modules = [new ModuleMaxAbs("decoder.blocks.0.mlp.down_proj", double.PositiveInfinity)], SampleIds = ["c", "d"] },
            ],
        };

        var info = RunEventMapper.ToEvent("r1", alert)!;
        var records = FlightRecordInfo.Of(info);

        Assert.Equal("decoder.blocks.0.mlp.down_proj", info.Details[FlightRecordInfo.PinCandidatesKey]);
        Assert.Equal([25, 26], records.Select(r => r.Step));
        Assert.True(double.IsNaN(records[1].Loss));
        Assert.True(double.IsPositiveInfinity(records[1].Modules[0].MaxAbs));
        Assert.Equal(["c", "d"], records[1].SampleIds);
    }
}
