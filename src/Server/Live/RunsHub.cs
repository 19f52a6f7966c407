using Microsoft.AspNetCore.SignalR;
using NanoVlm.Client.Services;

namespace NanoVlm.Server.Live;

/// <summary>What external SignalR clients of /hubs/runs receive.</summary>
public interface IRunsClient
{
    Task Metrics(string runId, IReadOnlyList<MetricSample> samples);

    Task Evaluation(string runId, EvaluationSample sample);

    Task RunEvent(RunEventInfo info);

    Task RunChanged(RunSummary run);
}

/// <summary>
/// The typed hub at /hubs/runs for external clients (scripts, notebooks, other dashboards). Pages of this app
/// don't use it: they subscribe in process through <see cref="IRunUpdates"/>.
/// </summary>
public sealed class RunsHub : Hub<IRunsClient>
{
    public const string Path = "/hubs/runs";

    /// <summary>Every run's summaries and alerts go to this group; metrics only to a run's own group.</summary>
    public const string AllRunsGroup = "all-runs";

    public Task SubscribeRun(string runId) => Groups.AddToGroupAsync(Context.ConnectionId, GroupOf(runId));

    public Task UnsubscribeRun(string runId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, GroupOf(runId));

    public Task SubscribeAll() => Groups.AddToGroupAsync(Context.ConnectionId, AllRunsGroup);

    public static string GroupOf(string runId) => $"run:{runId}";
}
