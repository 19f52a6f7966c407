using System.Collections.Immutable;

namespace NanoVlm.Engine.Messaging;

/// <summary>
/// In-process publish/subscribe, the one implementation behind the training run's events, the dashboard's live run
/// updates and batch-evaluation progress. Every subscriber gets every item published while it is subscribed,
/// synchronously on the publisher's thread and in subscription order, so handlers must be quick (hand work to a
/// channel or <c>InvokeAsync</c>). Nothing is kept: an item is gone once delivered, so memory does not grow with the
/// number of items published. Subscribing and unsubscribing never block a publisher (the subscriber list is an
/// immutable array swapped atomically), and a subscriber that throws is reported and skipped, never stopping the others
/// or the publisher.
/// </summary>
public sealed class Broadcaster<T>
{
    private readonly Action<Exception, T>? _onSubscriberFailed;
    private ImmutableArray<Subscription> _subscriptions = [];

    /// <param name="onSubscriberFailed">told of every exception a subscriber throws (to log it); null to ignore them</param>
    public Broadcaster(Action<Exception, T>? onSubscriberFailed = null) => _onSubscriberFailed = onSubscriberFailed;

    public bool HasSubscribers => !_subscriptions.IsEmpty;

    /// <summary>Delivers every item published from now on to <paramref name="handler"/>, until the result is disposed.</summary>
    public IDisposable Subscribe(Action<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new Subscription(this, handler);
        ImmutableInterlocked.Update(ref _subscriptions, list => list.Add(subscription));
        return subscription;
    }

    public void Publish(T item)
    {
        // A subscriber added or removed during this delivery takes effect from the next item.
        foreach (var subscription in _subscriptions)
        {
            try
            {
                subscription.Handler(item);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // One failing page or recorder must not stop the run or the others.
                _onSubscriberFailed?.Invoke(e, item);
            }
        }
    }

    private void Remove(Subscription subscription) => ImmutableInterlocked.Update(ref _subscriptions, list => list.Remove(subscription));

    private sealed class Subscription(Broadcaster<T> owner, Action<T> handler) : IDisposable
    {
        public Action<T> Handler { get; } = handler;

        public void Dispose() => owner.Remove(this);
    }
}
