using NanoVlm.Engine.Model;

namespace NanoVlm.Engine.Training.Guard;

/// <summary>
/// A seam for tests only: plants NaN/Inf (in module outputs or weights) at a chosen step so that every NaN-guard
/// verdict and policy can be exercised. Real runs never have one (the <c>train</c> verb and the server cannot set
/// it); a run that has one labels its metrics' precision with "+faults".
/// </summary>
public interface ITrainingFaultInjector
{
    /// <summary>
    /// Called on the training thread before the forward passes of optimizer step <paramref name="optimizerStep"/> (and before
    /// the NaN guard re-runs that step's batch); whatever it installs is removed when the result is disposed.
    /// </summary>
    IDisposable? Arm(int optimizerStep, VisionLanguageModel model);
}
