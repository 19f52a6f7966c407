using NanoVlm.Engine.Training.Precision;
using static TorchSharp.torch;

namespace NanoVlm.Engine.Training;

/// <summary>Mean loss over the fixed validation subset (the same leading batches every time), without gradients, in the run's precision.</summary>
public static class Validation
{
    public static (double Loss, int Batches) Loss(TrainingSession session, int maxBatches)
    {
        var model = session.Model;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            var total = 0.0;
            var count = 0;
            foreach (var batch in session.Data.Validation(session.MicroBatch, maxBatches))
            {
                using var scope = NewDisposeScope();
                using (PrecisionScope.Enter(session.Precision, model, session.OnCuda))
                {
                    var hidden = model.Forward(batch.InputIds, batch.PixelValues, batch.AttentionMask);
                    total += model.Loss(hidden, batch.Labels).to(ScalarType.Float64).item<double>();
                }
                count++;
                DisposeBatch(batch);
            }
            return (count == 0 ? double.NaN : total / count, count);
        }
        finally
        {
            model.train();
        }
    }

    private static void DisposeBatch(Data.TrainingBatch batch)
    {
        batch.InputIds.Dispose();
        batch.AttentionMask.Dispose();
        batch.Labels.Dispose();
        batch.PixelValues?.Dispose();
    }
}
