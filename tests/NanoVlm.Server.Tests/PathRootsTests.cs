using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using NanoVlm.Client.Services;
using NanoVlm.Engine.Checkpoints;
using NanoVlm.Engine.Inference;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Tests;

/// <summary>Real folders and real symbolic links under a temporary directory.</summary>
public sealed class PathRootsTests : IDisposable
{
    private readonly string _base = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "nanovlm-roots", Guid.NewGuid().ToString("N"))).FullName;
    private readonly string _root;
    private readonly string _outside;
    private readonly PathRoots _roots;

    public PathRootsTests()
    {
        _root = Directory.CreateDirectory(Path.Combine(_base, "datasets")).FullName;
        _outside = Directory.CreateDirectory(Path.Combine(_base, "private")).FullName;
        File.WriteAllText(Path.Combine(_outside, "secret.json"), "{}");
        Directory.CreateDirectory(Path.Combine(_root, "docvqa"));
        File.WriteAllText(Path.Combine(_root, "docvqa", "train.json"), "{}");
        _roots = new PathRoots("Storage:DataRoots", "datasets", [_root]);
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    [Fact]
    public void PathsUnderARootAndTheRootItselfAreAccepted()
    {
        var file = Path.Combine(_root, "docvqa", "train.json");
        Assert.Equal(file, _roots.Resolve(file));
        Assert.Equal(_root, _roots.Resolve(_root));
        Assert.Equal(_root, _roots.Resolve(_root + Path.DirectorySeparatorChar));
        // Not existing yet is not this check's business: the caller says "no file at".
        Assert.Equal(Path.Combine(_root, "later.json"), _roots.Resolve(Path.Combine(_root, "later.json")));
    }

    [Fact]
    public void AbsolutePathOutsideIsRefusedNamingThePathTheRootsAndHowToAddOne()
    {
        var secret = Path.Combine(_outside, "secret.json");
        var message = Assert.Throws<PathNotAllowedException>(() => _roots.Resolve(secret)).Message;
        Assert.Contains($"'{secret}' is outside the folders this server may read datasets from", message, StringComparison.Ordinal);
        Assert.Contains(_root, message, StringComparison.Ordinal);
        Assert.Contains("Storage:DataRoots in appsettings.json", message, StringComparison.Ordinal);
        Assert.Contains("--Storage:DataRoots:1=FOLDER", message, StringComparison.Ordinal);
        Assert.Throws<PathNotAllowedException>(() => _roots.Resolve("/etc/passwd"));
    }

    [Fact]
    public void DotDotIsRefusedEvenWhenItWouldStayInside()
    {
        var escaping = Path.Combine(_root, "..", "private", "secret.json");
        Assert.Contains("contains '..'", Assert.Throws<PathNotAllowedException>(() => _roots.Resolve(escaping)).Message, StringComparison.Ordinal);
        Assert.Throws<PathNotAllowedException>(() => _roots.Resolve(Path.Combine(_root, "docvqa", "..", "docvqa", "train.json")));
    }

    [Fact]
    public void AFolderSharingTheRootsNameAsAPrefixIsOutside()
    {
        var sibling = Directory.CreateDirectory(_root + "-old").FullName;
        Assert.Throws<PathNotAllowedException>(() => _roots.Resolve(Path.Combine(sibling, "train.json")));
    }

    [Fact]
    public void SymbolicLinksLeadingOutOfTheRootAreRefused()
    {
        var folderLink = Path.Combine(_root, "shortcut");
        Directory.CreateSymbolicLink(folderLink, _outside);
        var fileLink = Path.Combine(_root, "train-link.json");
        File.CreateSymbolicLink(fileLink, Path.Combine(_outside, "secret.json"));
        var relativeLink = Path.Combine(_root, "docvqa", "up");
        Directory.CreateSymbolicLink(relativeLink, Path.Combine("..", "..", "private"));

        foreach (var path in new[] { Path.Combine(folderLink, "secret.json"), folderLink, fileLink, Path.Combine(relativeLink, "secret.json") })
        {
            var message = Assert.Throws<PathNotAllowedException>(() => _roots.Resolve(path)).Message;
            Assert.Contains("symbolic link", message, StringComparison.Ordinal);
            Assert.Contains(_outside, message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void SymbolicLinksStayingInsideAndRootsThatAreLinksAreFollowed()
    {
        var inside = Path.Combine(_root, "current");
        Directory.CreateSymbolicLink(inside, Path.Combine(_root, "docvqa"));
        Assert.Equal(Path.Combine(_root, "docvqa", "train.json"), _roots.Resolve(Path.Combine(inside, "train.json")));

        // A root configured through a link (e.g. /data -> /mnt/disk1/data): both spellings are inside.
        var rootLink = Path.Combine(_base, "datasets-link");
        Directory.CreateSymbolicLink(rootLink, _root);
        var linkedRoots = new PathRoots("Storage:DataRoots", "datasets", [rootLink]);
        Assert.Equal(Path.Combine(_root, "docvqa"), linkedRoots.Resolve(Path.Combine(rootLink, "docvqa")));
        Assert.Equal(Path.Combine(_root, "docvqa"), linkedRoots.Resolve(Path.Combine(_root, "docvqa")));
    }

    [Fact]
    public void ALinkLoopIsRefusedInsteadOfHanging()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "a"), Path.Combine(_root, "b"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "b"), Path.Combine(_root, "a"));
        var message = Assert.Throws<PathNotAllowedException>(() => _roots.Resolve(Path.Combine(_root, "a", "train.json"))).Message;
        Assert.Contains("too many symbolic links", message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutRootsNothingIsAllowedAndTheMessageSaysHowToAddOne()
    {
        var none = new PathRoots("Storage:ModelRoots", "models", []);
        var message = Assert.Throws<PathNotAllowedException>(() => none.Resolve(_root)).Message;
        Assert.Contains("No folders are allowed for models", message, StringComparison.Ordinal);
        Assert.Contains("--Storage:ModelRoots:0=FOLDER", message, StringComparison.Ordinal);
    }
}

/// <summary>The server's own use of the roots: run data and model registration over its real services and API.</summary>
public sealed class ServerPathRootsTests(ServerPathRootsTests.RootsFactory factory) : IClassFixture<ServerPathRootsTests.RootsFactory>
{
    public sealed class RootsFactory : DashboardFactoryBase
    {
        public string Base { get; } = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "nanovlm-roots", Guid.NewGuid().ToString("N"))).FullName;

        public string DataRoot => Path.Combine(Base, "datasets");

        public string ModelRoot => Path.Combine(Base, "models");

        public string Outside => Path.Combine(Base, "elsewhere");

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            foreach (var folder in new[] { DataRoot, ModelRoot, Outside })
            {
                Directory.CreateDirectory(folder);
            }
            builder.UseSetting("Storage:DataRoots:0", DataRoot);
            builder.UseSetting("Storage:ModelRoots:0", ModelRoot);
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Directory.Delete(Base, recursive: true);
        }
    }

    [Fact]
    public async Task RunDataOutsideTheDataRootsIsAValidationErrorNamingTheSetting()
    {
        var secret = Path.Combine(factory.Outside, "train.json");
        File.WriteAllText(secret, "[]");
        using var client = factory.CreateClient();
        using var response = await client.PostAsJsonAsync("/api/runs", new RunRequest { Data = secret, Steps = 2 });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        var dataError = errors.EnumerateObject().Single(e => e.Name.Equals("Data", StringComparison.OrdinalIgnoreCase)).Value[0].GetString();
        Assert.Contains(secret, dataError, StringComparison.Ordinal);
        Assert.Contains("Storage:DataRoots", dataError, StringComparison.Ordinal);

        // The same file reached through a link inside the root is refused too; a dataset really inside is not.
        var link = Path.Combine(factory.DataRoot, "link.json");
        File.CreateSymbolicLink(link, secret);
        var launcher = factory.Services.GetRequiredService<IRunLauncher>();
        Assert.Contains("symbolic link", launcher.Validate(new RunRequest { Data = link })["Data"][0], StringComparison.Ordinal);
        var inside = Path.Combine(factory.DataRoot, "train.json");
        File.WriteAllText(inside, "[]");
        Assert.False(launcher.Validate(new RunRequest { Data = inside }).ContainsKey("Data"));
    }

    [Fact]
    public async Task ModelFoldersAreRegisteredOnlyUnderTheModelRootsOrTheDataFolder()
    {
        var registry = factory.Services.GetRequiredService<IModelRegistry>();
        var outsideCheckpoint = Path.Combine(factory.Outside, "checkpoint");
        var insideCheckpoint = Path.Combine(factory.ModelRoot, "checkpoint");
        using (var model = VlmLoader.Load("tiny"))
        {
            NanoVlmCheckpoint.Save(model.Model, outsideCheckpoint);
            NanoVlmCheckpoint.Save(model.Model, insideCheckpoint);
        }

        var refused = Assert.Throws<PlaygroundException>(() => registry.RegisterCheckpoint(outsideCheckpoint, "stolen")).Message;
        Assert.Contains("Storage:ModelRoots", refused, StringComparison.Ordinal);
        var link = Path.Combine(factory.ModelRoot, "via-link");
        Directory.CreateSymbolicLink(link, outsideCheckpoint);
        Assert.Contains("symbolic link", Assert.Throws<PlaygroundException>(() => registry.RegisterCheckpoint(link, "linked")).Message, StringComparison.Ordinal);
        Assert.Contains("'..'", Assert.Throws<PlaygroundException>(() =>
            registry.RegisterCheckpoint(Path.Combine(factory.ModelRoot, "..", "elsewhere", "checkpoint"), null)).Message, StringComparison.Ordinal);
        Assert.DoesNotContain(registry.Models(), m => m.Id.Contains(factory.Outside, StringComparison.Ordinal));

        var accepted = registry.RegisterCheckpoint(insideCheckpoint, "mine");
        Assert.Equal("checkpoint:" + insideCheckpoint, accepted.Id);
        var importOutside = await Assert.ThrowsAsync<PlaygroundException>(() => registry.ImportBackbonesAsync(factory.Outside, factory.Outside, "x", CancellationToken.None));
        Assert.Contains("Storage:ModelRoots", importOutside.Message, StringComparison.Ordinal);
    }
}
