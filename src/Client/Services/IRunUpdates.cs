namespace NanoVlm.Client.Services;

/// <summary>
/// In-process live updates for pages. Handlers run on the publisher's thread: components marshal with
/// InvokeAsync. Disposing the subscription stops delivery.
/// </summary>
public interface IRunUpdates
{
    /// <param name="runId">one run's updates, or null for every run's</param>
    IDisposable Subscribe(string? runId, Action<RunUpdate> handler);
}
