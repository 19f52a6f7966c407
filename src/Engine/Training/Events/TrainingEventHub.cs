using NanoVlm.Engine.Messaging;

namespace NanoVlm.Engine.Training.Events;

/// <summary>
/// A run's events as the trainer publishes them, fanned out to subscribers by a <see cref="Broadcaster{T}"/>: called
/// on the training thread, in subscription order, so subscribers must be quick. No history is kept (a long run
/// publishes hundreds of thousands of events): whoever needs a run's events from its start subscribes before it starts
/// (see <see cref="TrainingRun.Start"/>), and what a run did is on disk in its run folder.
/// </summary>
public sealed class TrainingEventHub : ITrainingEventSink
{
    private readonly Broadcaster<TrainingEvent> _subscribers = new();

    /// <summary>Delivers every later event until disposed.</summary>
    public IDisposable Subscribe(Action<TrainingEvent> onEvent) => _subscribers.Subscribe(onEvent);

    public void Publish(TrainingEvent trainingEvent) => _subscribers.Publish(trainingEvent);
}
