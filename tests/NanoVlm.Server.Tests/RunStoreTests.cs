using Microsoft.Extensions.Options;
using NanoVlm.Client.Services;
using NanoVlm.Server.Storage;
using NanoVlm.Server.Storage.Documents;

namespace NanoVlm.Server.Tests;

public sealed class RunStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nanovlm-store-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void ActiveRunsBecomeInterruptedAfterARestartAndKeepTheirMetrics()
    {
        using (var first = Open())
        {
            var store = new RunStore(first.Database);
            store.Upsert(Run("a", RunStatus.Running));
            store.Upsert(Run("b", RunStatus.Completed));
            store.AppendMetrics([MetricDocument.From("a", new MetricSample(1, 10, 0.5, double.NaN, double.NaN, 0, 0, 0, 1, 0, "fp16", true))]);
        }
        using var second = Open();
        var reopened = new RunStore(second.Database);
        Assert.Equal(["a"], reopened.MarkUnfinishedAsInterrupted(DateTime.UtcNow));
        Assert.Equal(RunStatus.Interrupted, reopened.GetRun("a")!.Status);
        Assert.Contains("Resume", reopened.GetRun("a")!.Error, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Completed, reopened.GetRun("b")!.Status);
        var metric = Assert.Single(reopened.GetMetrics("a"));
        Assert.True(double.IsNaN(metric.Loss));
        Assert.True(metric.Skipped);
    }

    [Fact]
    public void EmptyAndSpacePaddedStringsComeBackExactlyAsWritten()
    {
        using (var first = Open())
        {
            first.Database.Playground.Insert(new PlaygroundDocument { Id = "p1", Question = "  What is the total?  ", Answer = "", ExpectedAnswer = "" });
        }
        using var second = Open();
        var entry = second.Database.Playground.FindById("p1").ToEntry();
        Assert.Equal("  What is the total?  ", entry.Question);
        Assert.Equal("", entry.Answer);
        Assert.Equal("", entry.ExpectedAnswer);
    }

    [Fact]
    public void EventsKeepTheirDetailsAndOrder()
    {
        using var opened = Open();
        var store = new RunStore(opened.Database);
        var start = DateTimeOffset.UtcNow;
        store.AppendEvent(new RunEventInfo("r", 5, start.AddSeconds(1), "nan", RunEventSeverity.Alert, "NaN", new Dictionary<string, string> { ["verdict"] = "precision overflow" }));
        store.AppendEvent(new RunEventInfo("r", 0, start, "state", RunEventSeverity.Info, "started", new Dictionary<string, string>()));
        var events = store.GetEvents("r");
        Assert.Equal(["state", "nan"], events.Select(e => e.Kind));
        Assert.Equal("precision overflow", events[1].Details["verdict"]);
    }

    private static RunDocument Run(string id, RunStatus status) => new()
    {
        Id = id, Name = id, Status = status, Model = "tiny", Precision = "fp32", CreatedAt = DateTime.UtcNow,
    };

    private OpenDatabase Open() => new(_root);

    private sealed class OpenDatabase : IDisposable
    {
        private readonly DataDirectory _directory;

        public OpenDatabase(string root)
        {
            _directory = new DataDirectory(Options.Create(new StorageOptions { DataDir = root }));
            Database = new DashboardDatabase(_directory);
        }

        public DashboardDatabase Database { get; }

        public void Dispose()
        {
            Database.Dispose();
            _directory.Dispose();
        }
    }
}
