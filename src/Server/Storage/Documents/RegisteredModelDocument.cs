namespace NanoVlm.Server.Storage.Documents;

/// <summary>A checkpoint folder a user registered or imported, remembered across restarts.</summary>
public sealed class RegisteredModelDocument
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string Directory { get; set; } = "";
    public string Source { get; set; } = "";
    public DateTime RegisteredAt { get; set; }
}
