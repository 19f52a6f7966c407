using NanoVlm.Client.Services;

namespace NanoVlm.Server.Playground;

/// <summary>A playground question and its answer, as stored in LiteDB.</summary>
public sealed class PlaygroundDocument
{
    public string Id { get; set; } = "";
    public DateTime Time { get; set; }
    public string UploadId { get; set; } = "";
    public string ThumbnailDataUrl { get; set; } = "";
    public string ModelId { get; set; } = "";

    /// <summary>The model's name when asked ("tiny · step 400"); null in entries written before it was kept.</summary>
    public string? ModelName { get; set; }
    public string Question { get; set; } = "";
    public string Answer { get; set; } = "";
    public string? ExpectedAnswer { get; set; }
    public double? Anls { get; set; }

    // Files written before the database kept empty strings (LiteDB's default mapper stored them as null) read back null.
    public PlaygroundEntry ToEntry() => new(Id, new DateTimeOffset(Time.ToUniversalTime(), TimeSpan.Zero), UploadId ?? "", ThumbnailDataUrl ?? "",
        ModelId ?? "", Question ?? "", Answer ?? "", ExpectedAnswer, Anls) { ModelName = ModelName };
}
