using LiteDB;
using NanoVlm.Client.Services;

namespace NanoVlm.Server.Storage.Documents;

/// <summary>A run event or alert, with its details flattened to strings for display.</summary>
public sealed class EventDocument
{
    public ObjectId Id { get; set; } = ObjectId.Empty;
    public string RunId { get; set; } = "";
    public long Step { get; set; }
    public DateTime Time { get; set; }
    public string Kind { get; set; } = "";
    public RunEventSeverity Severity { get; set; }
    public string Message { get; set; } = "";
    public Dictionary<string, string> Details { get; set; } = [];

    public static EventDocument From(RunEventInfo info) => new()
    {
        RunId = info.RunId,
        Step = info.Step,
        Time = info.Time.UtcDateTime,
        Kind = info.Kind,
        Severity = info.Severity,
        Message = info.Message,
        Details = new Dictionary<string, string>(info.Details),
    };

    public RunEventInfo ToInfo() => new(RunId, Step, new DateTimeOffset(Time.ToUniversalTime(), TimeSpan.Zero), Kind, Severity, Message, Details);
}
