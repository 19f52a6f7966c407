using Microsoft.Extensions.DependencyInjection;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Inference;

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
}
