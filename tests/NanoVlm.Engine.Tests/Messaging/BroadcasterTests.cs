using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using NanoVlm.Engine.Messaging;

namespace NanoVlm.Engine.Tests.Messaging;

public sealed class BroadcasterTests
{
    [Fact]
    public void Every_subscriber_gets_every_item_in_subscription_order()
    {
        var broadcaster = new Broadcaster<int>();
        var seen = new List<string>();
        using var first = broadcaster.Subscribe(i => seen.Add($"a{i}"));
        using var second = broadcaster.Subscribe(i => seen.Add($"b{i}"));

        broadcaster.Publish(1);
        broadcaster.Publish(2);

        Assert.Equal(["a1", "b1", "a2", "b2"], seen);
    }

    [Fact]
    public void Items_published_before_subscribing_or_after_disposing_are_not_delivered()
    {
        var broadcaster = new Broadcaster<int>();
        Assert.False(broadcaster.HasSubscribers);
        broadcaster.Publish(0);
        var seen = new List<int>();
        var subscription = broadcaster.Subscribe(seen.Add);
        Assert.True(broadcaster.HasSubscribers);
        broadcaster.Publish(1);
        subscription.Dispose();
        subscription.Dispose(); // twice is harmless
        broadcaster.Publish(2);

        Assert.Equal([1], seen);
        Assert.False(broadcaster.HasSubscribers);
    }

    [Fact]
    public void The_same_handler_subscribed_twice_is_two_subscriptions()
    {
        var broadcaster = new Broadcaster<int>();
        var seen = new List<int>();
        using var once = broadcaster.Subscribe(seen.Add);
        var twice = broadcaster.Subscribe(seen.Add);
        broadcaster.Publish(1);
        twice.Dispose();
        broadcaster.Publish(2);

        Assert.Equal([1, 1, 2], seen);
    }

    [Fact]
    public void A_throwing_subscriber_is_reported_and_the_others_still_get_the_item()
    {
        var failures = new List<(Exception Error, int Item)>();
        var broadcaster = new Broadcaster<int>((e, item) => failures.Add((e, item)));
        var seen = new List<int>();
        using var broken = broadcaster.Subscribe(i => throw new InvalidOperationException($"broken on {i}"));
        using var working = broadcaster.Subscribe(seen.Add);

        broadcaster.Publish(7);
        broadcaster.Publish(8);

        Assert.Equal([7, 8], seen);
        Assert.Equal([7, 8], failures.Select(f => f.Item));
        Assert.Equal("broken on 8", failures[^1].Error.Message);
    }

    [Fact]
    public void Subscribing_or_unsubscribing_during_a_delivery_takes_effect_from_the_next_item()
    {
        var broadcaster = new Broadcaster<int>();
        var seen = new List<string>();
        IDisposable? late = null;
        IDisposable? self = null;
        self = broadcaster.Subscribe(i =>
        {
            seen.Add($"self{i}");
            self!.Dispose();
            late ??= broadcaster.Subscribe(j => seen.Add($"late{j}"));
        });

        broadcaster.Publish(1);
        broadcaster.Publish(2);
        late!.Dispose();

        Assert.Equal(["self1", "late2"], seen);
    }

    [Fact]
    public async Task Publishing_while_other_threads_subscribe_and_unsubscribe_loses_nothing_for_a_steady_subscriber()
    {
        const int Items = 100_000;
        var broadcaster = new Broadcaster<int>();
        var received = new List<int>(Items);
        using var steady = broadcaster.Subscribe(received.Add); // called on the one publishing thread only
        var failures = new ConcurrentBag<Exception>();
        using var stop = new CancellationTokenSource();
        var churn = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var transient = broadcaster.Subscribe(_ => { });
                }
                catch (Exception e)
                {
                    failures.Add(e);
                }
            }
        })).ToArray();

        await Task.Run(() =>
        {
            for (var i = 0; i < Items; i++) broadcaster.Publish(i);
        });
        await stop.CancelAsync();
        await Task.WhenAll(churn);

        Assert.Empty(failures);
        Assert.Equal(Enumerable.Range(0, Items), received);
    }

    [Fact]
    public void Nothing_published_is_kept_once_delivered()
    {
        var broadcaster = new Broadcaster<object>();
        var delivered = 0;
        using var subscription = broadcaster.Subscribe(_ => delivered++);

        var published = PublishGarbage(broadcaster, count: 1000);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Equal(1000, delivered);
        Assert.All(published, item => Assert.False(item.IsAlive));
    }

    // Not inlined, so no local of this frame keeps an item alive during the collection.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference> PublishGarbage(Broadcaster<object> broadcaster, int count)
    {
        var references = new List<WeakReference>(count);
        for (var i = 0; i < count; i++)
        {
            var item = new byte[1024];
            references.Add(new WeakReference(item));
            broadcaster.Publish(item);
        }
        return references;
    }
}
