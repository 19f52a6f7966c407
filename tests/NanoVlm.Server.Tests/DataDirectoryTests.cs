using Microsoft.Extensions.Options;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Tests;

public sealed class DataDirectoryTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "nanovlm-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void SecondServerOnTheSameFolderFailsWithAClearMessage()
    {
        using var first = Open(_root);
        first.Acquire();
        using var second = Open(_root);
        var error = Assert.Throws<InvalidOperationException>(second.Acquire);
        Assert.Contains("Another NanoVlm server is already using the data folder", error.Message, StringComparison.Ordinal);
        Assert.Contains("--Storage:DataDir", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LockIsReleasedOnDispose()
    {
        using (var first = Open(_root))
        {
            first.Acquire();
        }
        using var second = Open(_root);
        second.Acquire();
        Assert.True(second.IsLocked);
    }

    [Fact]
    public void UncreatableFolderIsReportedWithTheSettingToChange()
    {
        var blocker = Path.Combine(_root, "file");
        Directory.CreateDirectory(_root);
        File.WriteAllText(blocker, "not a folder");
        using var data = Open(Path.Combine(blocker, "data"));
        var error = Assert.Throws<InvalidOperationException>(data.Acquire);
        Assert.Contains("Storage:DataDir", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RelativeDataDirResolvesAgainstTheWorkingDirectory()
    {
        var options = new StorageOptions { DataDir = "data" };
        Assert.Equal(Path.Combine(Directory.GetCurrentDirectory(), "data"), options.ResolvedDataDir);
    }

    private static DataDirectory Open(string root) => new(Options.Create(new StorageOptions { DataDir = root }));
}
