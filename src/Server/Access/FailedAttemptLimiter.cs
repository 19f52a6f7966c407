using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace NanoVlm.Server.Access;

/// <summary>
/// Counts wrong tokens per client address; once a client has used up its allowance in the current window, every
/// further attempt from it is refused (even a right one) until the window ends, which makes guessing impractical.
/// </summary>
public sealed class FailedAttemptLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public FailedAttemptLimiter(IOptions<AccessOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        MaxFailures = Math.Max(1, options.Value.MaxFailedAttempts);
        Window = TimeSpan.FromSeconds(Math.Max(1, options.Value.FailedAttemptWindowSeconds));
        _limiter = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = MaxFailures,
            Window = Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    public int MaxFailures { get; }

    public TimeSpan Window { get; }

    public bool IsLockedOut(string client) => _limiter.GetStatistics(client)?.CurrentAvailablePermits == 0;

    /// <summary>Counts one failure; true when this one used up the client's allowance.</summary>
    public bool RecordFailure(string client)
    {
        using var lease = _limiter.AttemptAcquire(client);
        return !lease.IsAcquired || IsLockedOut(client);
    }

    public void Dispose() => _limiter.Dispose();
}
