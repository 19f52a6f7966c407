namespace NanoVlm.Engine.Data;

/// <summary>An image file on disk (official DocVQA release, JSONL, synthetic output).</summary>
public sealed class FileImageSource(string path) : ImageSource
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public override string Description => Path;

    public override byte[] ReadBytes()
    {
        try
        {
            return File.ReadAllBytes(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageUnavailableException($"Cannot read image {Path}: {e.Message}", e);
        }
    }
}
