using Microsoft.Extensions.DependencyInjection;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Inference;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace NanoVlm.Server.Tests;

public sealed class ModelRegistryTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    [Fact]
    public void RegisteredCheckpointIsOfferedWithItsSizeAndConfiguration()
    {
        var folder = Path.Combine(factory.DataDir, "my-checkpoint");
        using (var model = VlmLoader.Load("tiny"))
        {
            NanoVlmCheckpoint.Save(model.Model, folder);
        }
        var registry = factory.Services.GetRequiredService<IModelRegistry>();
        var choice = registry.RegisterCheckpoint(folder, "mine");
        Assert.Contains(registry.Models(), m => m.Id == choice.Id && m.Name == "mine" && m.Parameters > 1_000_000);
        Assert.Contains("\"vit_img_size\"", registry.ConfigurationJson(choice.Id), StringComparison.Ordinal);
        Assert.Contains(factory.Services.GetRequiredService<IPlayground>().Models(), m => m.Id == choice.Id);
    }

    [Fact]
    public void FoldersThatAreNotCheckpointsAreRefusedWithTheReason()
    {
        var registry = factory.Services.GetRequiredService<IModelRegistry>();
        var empty = Directory.CreateDirectory(Path.Combine(factory.DataDir, "empty")).FullName;
        Assert.Contains("needs config.json", Assert.Throws<PlaygroundException>(() => registry.RegisterCheckpoint(empty, null)).Message, StringComparison.Ordinal);
        Assert.Contains("No folder", Assert.Throws<PlaygroundException>(() => registry.RegisterCheckpoint(Path.Combine(factory.DataDir, "no-such-folder"), null)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACheckpointDeletedAfterItWasListedLeavesTheListsAndIsRefusedWithAClearMessage()
    {
        var folder = Path.Combine(factory.DataDir, "deleted-checkpoint");
        using (var model = VlmLoader.Load("tiny"))
        {
            NanoVlmCheckpoint.Save(model.Model, folder);
        }
        var registry = factory.Services.GetRequiredService<IModelRegistry>();
        var playground = factory.Services.GetRequiredService<IPlayground>();
        var id = registry.RegisterCheckpoint(folder, "doomed").Id;
        var upload = await playground.UploadAsync(Png(), "preset:tiny", CancellationToken.None);
        Directory.Delete(folder, recursive: true); // as checkpoint retention does while a page still lists it

        var ask = await Assert.ThrowsAsync<PlaygroundException>(() =>
            playground.AskAsync(upload.UploadId, "Total?", id, new DecodingSettings { MaxNewTokens = 2 }, null, _ => { }, CancellationToken.None));
        Assert.Contains("'doomed' no longer exists", ask.Message, StringComparison.Ordinal);
        var preview = await Assert.ThrowsAsync<PlaygroundException>(() => playground.PreviewAsync(upload.UploadId, id, CancellationToken.None));
        Assert.Contains("no longer exists", preview.Message, StringComparison.Ordinal);
        Assert.Contains("no longer exists", Assert.Throws<PlaygroundException>(() => registry.ConfigurationJson(id)).Message, StringComparison.Ordinal);
        Assert.DoesNotContain(playground.Models(), m => m.Id == id);
        Assert.DoesNotContain(registry.Models(), m => m.Id == id);
    }

    private static byte[] Png()
    {
        using var image = new Image<Rgb24>(64, 48, new Rgb24(255, 255, 255));
        using var stream = new MemoryStream();
        image.Save(stream, new PngEncoder());
        return stream.ToArray();
    }
}
