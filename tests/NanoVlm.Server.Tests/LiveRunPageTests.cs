using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using NanoVlm.Client.Charts;
using NanoVlm.Client.Pages;
using NanoVlm.Client.Services;
using NanoVlm.Server.Live;
using NanoVlm.Server.Storage;
using NanoVlm.Server.Storage.Documents;

namespace NanoVlm.Server.Tests;

/// <summary>
/// A run page opened while the run trains, against the server's real store, metric writer and publisher: the test
/// plays the training service's part, recording each step (queued for the writer's batch) and publishing it live.
/// </summary>
public sealed class LiveRunPageTests(DashboardFactory factory) : IClassFixture<DashboardFactory>, IAsyncDisposable
{
    private const int Steps = 1500;
    private readonly BunitContext _context = new();

    public ValueTask DisposeAsync() => _context.DisposeAsync();

    [Fact]
    public async Task A_page_opened_mid_run_has_every_step_of_the_curve()
    {
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
        _context.Services.AddMudServices();
        _context.Services.AddSingleton(factory.Services.GetRequiredService<IRunQueries>());
        _context.Services.AddSingleton(factory.Services.GetRequiredService<IRunUpdates>());
        _context.Services.AddSingleton(factory.Services.GetRequiredService<IRunLauncher>());
        _context.Services.AddSingleton(factory.Services.GetRequiredService<ISystemMetricsProvider>());
        _context.Services.AddSingleton(factory.Services.GetRequiredService<IModelRegistry>());
        var store = factory.Services.GetRequiredService<RunStore>();
        var runId = Guid.NewGuid().ToString("N")[..12];
        store.Upsert(new RunDocument
        {
            Id = runId, Name = "live", Status = RunStatus.Running, Model = "tiny", Precision = "fp32", TotalSteps = Steps,
            CreatedAt = DateTime.UtcNow, StartedAt = DateTime.UtcNow,
        });
        using var halfway = new SemaphoreSlim(0);
        var training = Task.Run(() => Train(runId, halfway));

        // Open the page while steps are being recorded and published, about one a millisecond.
        await halfway.WaitAsync(TimeSpan.FromMinutes(2));
        var page = _context.Render<RunDetails>(parameters => parameters.Add(p => p.RunId, runId));
        await training.WaitAsync(TimeSpan.FromMinutes(2));

        page.WaitForAssertion(() =>
        {
            var loss = page.FindComponents<SvgChart>().Select(c => c.Instance.Model).Single(m => m.Title == "Train loss");
            Assert.Equal(Enumerable.Range(1, Steps).Select(step => (double)step), loss.Series[0].X);
        }, TimeSpan.FromSeconds(30));
    }

    /// <summary>Records and publishes each step as the training service's recorder does: queued for the writer, then live.</summary>
    private void Train(string runId, SemaphoreSlim halfway)
    {
        var writer = factory.Services.GetRequiredService<MetricWriter>();
        var publisher = factory.Services.GetRequiredService<RunUpdatePublisher>();
        for (var step = 1; step <= Steps; step++)
        {
            var sample = new MetricSample(step, step * 100, step * 0.01, 3.0 / step, 1, 1e-3, 0, 1e-4, 1, 1000, "fp32", false);
            writer.Enqueue(runId, [sample]);
            publisher.Publish(new RunUpdate.Metrics(runId, [sample]));
            if (step == Steps / 3) halfway.Release();
            Thread.Sleep(1);
        }
    }
}
