using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using NanoVlm.Engine.Runtime;

namespace NanoVlm.Server.Inference;

/// <summary>
/// One dedicated thread for all inference. TorchSharp's dispose scopes and thread settings are per thread, so
/// model work never runs on the thread pool or a Blazor circuit; requests queue here and complete a Task.
/// The worker also owns the <see cref="ModelCache"/>: only this thread touches loaded models.
/// </summary>
public sealed partial class InferenceWorker : IDisposable
{
    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;
    private readonly ILogger<InferenceWorker> _logger;
    private readonly int _threads;

    public InferenceWorker(IOptions<InferenceOptions> options, ModelCache cache, ILogger<InferenceWorker> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Cache = cache;
        _logger = logger;
        _threads = options.Value.Threads;
        _thread = new Thread(Run) { Name = "nanovlm-inference", IsBackground = true };
        _thread.Start();
    }

    public ModelCache Cache { get; }

    /// <summary>Runs <paramref name="work"/> on the inference thread.</summary>
    public Task<T> RunAsync<T>(Func<ModelCache, T> work, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                completion.TrySetCanceled(cancellationToken);
                return;
            }
            try
            {
                completion.TrySetResult(work(Cache));
            }
            catch (Exception e)
            {
                completion.TrySetException(e);
            }
        }, CancellationToken.None);
        return completion.Task;
    }

    private void Run()
    {
        // Intra-op threads are process-wide in libtorch; apply the inference setting once on this thread.
        if (_threads > 0)
        {
            EngineThreads.Apply(_threads);
        }
        foreach (var work in _work.GetConsumingEnumerable())
        {
            try
            {
                work();
            }
            catch (Exception e)
            {
                LogUnexpected(_logger, e);
            }
        }
        Cache.Dispose();
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(10));
        _work.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Inference work failed outside its request")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);
}
