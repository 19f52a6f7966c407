namespace NanoVlm.Engine.Training.Events;

/// <summary>Where a run publishes its events.</summary>
public interface ITrainingEventSink
{
    void Publish(TrainingEvent trainingEvent);
}

/// <summary>
/// In-process publish/subscribe for one run. Subscribers are called synchronously on the training thread, in
/// subscription order, so they must be quick (hand the event to a channel). A subscriber that throws is dropped
/// from that one delivery, never stopping the run. Late subscribers can ask for the history with
/// <see cref="Subscribe(Action{TrainingEvent}, bool)"/>.
/// </summary>
public sealed class TrainingEventHub : ITrainingEventSink
{
    private readonly Lock _gate = new();
    private readonly List<Action<TrainingEvent>> _subscribers = [];
    private readonly List<TrainingEvent> _history = [];

    /// <summary>Everything published so far.</summary>
    public IReadOnlyList<TrainingEvent> History
    {
        get
        {
            lock (_gate) return _history.ToArray();
        }
    }

    /// <summary>Delivers every later event (and, with <paramref name="replay"/>, the earlier ones first) until disposed.</summary>
    public IDisposable Subscribe(Action<TrainingEvent> onEvent, bool replay = false)
    {
        ArgumentNullException.ThrowIfNull(onEvent);
        TrainingEvent[] past;
        lock (_gate)
        {
            past = replay ? _history.ToArray() : [];
            _subscribers.Add(onEvent);
        }
        foreach (var e in past) onEvent(e);
        return new Subscription(this, onEvent);
    }

    public void Publish(TrainingEvent trainingEvent)
    {
        Action<TrainingEvent>[] subscribers;
        lock (_gate)
        {
            _history.Add(trainingEvent);
            subscribers = _subscribers.ToArray();
        }
        foreach (var subscriber in subscribers)
        {
            try
            {
                subscriber(trainingEvent);
            }
#pragma warning disable CA1031 // a subscriber's bug must not stop training
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    private sealed class Subscription(TrainingEventHub hub, Action<TrainingEvent> onEvent) : IDisposable
    {
        public void Dispose()
        {
            lock (hub._gate) hub._subscribers.Remove(onEvent);
        }
    }
}
