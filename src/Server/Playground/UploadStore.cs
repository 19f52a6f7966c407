using System.Security.Cryptography;
using System.Text.RegularExpressions;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Playground;

/// <summary>
/// Uploaded images, under the data folder only, named by the SHA-256 of their bytes (so the same picture is
/// stored once and a name can never point elsewhere). Only files that decoded are given to it.
/// </summary>
public sealed partial class UploadStore(DataDirectory dataDirectory)
{
    private static readonly Dictionary<string, string> Extensions = new(StringComparer.Ordinal)
    {
        ["image/png"] = "png", ["image/jpeg"] = "jpg", ["image/webp"] = "webp", ["image/bmp"] = "bmp", ["image/gif"] = "gif",
    };

    public string Folder => Path.Combine(dataDirectory.Root, "uploads");

    /// <summary>Stores bytes the caller has already decoded successfully, as <paramref name="mimeType"/>; returns the upload id.</summary>
    public string Save(byte[] bytes, string mimeType)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (!Extensions.TryGetValue(mimeType, out var extension))
        {
            throw new ArgumentException($"'{mimeType}' is not an accepted upload type.", nameof(mimeType));
        }
        var id = $"{Convert.ToHexStringLower(SHA256.HashData(bytes))}.{extension}";
        Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, id);
        if (!File.Exists(path))
        {
            // Written under a temporary name and renamed, so a crash never leaves half a file under the real name. The
            // name is this writer's own: two requests uploading the same picture at once each write and rename their
            // copy (the bytes are the same), where a shared name made the second rename fail.
            var temporary = $"{path}.{Guid.NewGuid():N}.partial";
            try
            {
                File.WriteAllBytes(temporary, bytes);
                File.Move(temporary, path, overwrite: true);
            }
            finally
            {
                File.Delete(temporary);
            }
        }
        return id;
    }

    public byte[] Read(string uploadId) => File.ReadAllBytes(PathOf(uploadId));

    public bool Exists(string uploadId) => IsValidId(uploadId) && File.Exists(Path.Combine(Folder, uploadId));

    public void Delete(string uploadId)
    {
        var path = PathOf(uploadId);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    /// <summary>Deletes uploads older than <paramref name="olderThan"/> that nothing refers to.</summary>
    public int DeleteUnreferenced(IReadOnlySet<string> referenced, TimeSpan olderThan)
    {
        ArgumentNullException.ThrowIfNull(referenced);
        if (!Directory.Exists(Folder))
        {
            return 0;
        }
        var deleted = 0;
        foreach (var file in Directory.EnumerateFiles(Folder))
        {
            var name = Path.GetFileName(file);
            if (!referenced.Contains(name) && File.GetLastWriteTimeUtc(file) < DateTime.UtcNow - olderThan)
            {
                File.Delete(file);
                deleted++;
            }
        }
        return deleted;
    }

    private string PathOf(string uploadId) => IsValidId(uploadId)
        ? Path.Combine(Folder, uploadId)
        : throw new ArgumentException($"'{uploadId}' is not an upload id.");

    private static bool IsValidId(string uploadId) => UploadIdPattern().IsMatch(uploadId);

    [GeneratedRegex("^[0-9a-f]{64}\\.(png|jpg|webp|bmp|gif)$")]
    private static partial Regex UploadIdPattern();
}
