using Microsoft.AspNetCore.Components.Forms;
using NanoVlm.Client.Services;

namespace NanoVlm.Client.Playground;

/// <summary>Reads a browser file into memory, refusing anything above the limit before a byte is transferred.</summary>
public static class UploadReader
{
    public static async Task<byte[]> ReadAsync(IBrowserFile file, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Size == 0)
        {
            throw new PlaygroundException("The file is empty.");
        }
        if (file.Size > maxBytes)
        {
            throw new PlaygroundException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"The file is {file.Size / (1024.0 * 1024):0.#} MB; uploads are limited to {maxBytes / (1024.0 * 1024):0.#} MB."));
        }
        using var buffer = new MemoryStream((int)file.Size);
        await using var stream = file.OpenReadStream(maxBytes);
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }
}
