using NanoVlm.Engine.Data;
using NanoVlm.Engine.Training.Data;
using NanoVlm.Engine.Training.Events;
using NanoVlm.Engine.Training.Guard;

namespace NanoVlm.Engine.Training.Setup;

/// <summary>How a checked run is started: who else hears its events, and what may be read.</summary>
public sealed record LaunchOptions
{
    /// <summary>Also receives every event (the dashboard's recorder); called on the training thread.</summary>
    public ITrainingEventSink? AlsoTo { get; init; }

    /// <summary>Which image files a DocVQA source may name (see <see cref="ImagePathCheck"/>); null allows any.</summary>
    public ImagePathCheck? ImageCheck { get; init; }

    /// <summary>Write TensorBoard scalars under the run folder's <c>tb/</c>.</summary>
    public bool TensorBoard { get; init; } = true;

    /// <summary>
    /// Supplies the training data instead of the configuration's <c>data</c> source (embedders and tests); called on
    /// the training thread. Without it the run has no validation ANLS.
    /// </summary>
    public Func<ITrainingData>? Data { get; init; }

    /// <summary>Tests only: see <see cref="ITrainingFaultInjector"/>.</summary>
    public ITrainingFaultInjector? FaultInjector { get; init; }
}
