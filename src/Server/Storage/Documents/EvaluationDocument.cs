using LiteDB;
using NanoVlm.Client.Services;

namespace NanoVlm.Server.Storage.Documents;

public sealed class EvaluationDocument
{
    public ObjectId Id { get; set; } = ObjectId.Empty;
    public string RunId { get; set; } = "";
    public long Step { get; set; }
    public double Loss { get; set; }
    public double? Anls { get; set; }

    public EvaluationSample ToSample() => new(Step, Loss, Anls);
}
