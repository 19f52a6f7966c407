using Microsoft.Extensions.Options;
using NanoVlm.Server.Playground;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Tests;

public sealed class UploadStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("nanovlm-uploads-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_same_picture_uploaded_by_many_requests_at_once_is_stored_once_and_every_request_gets_its_id()
    {
        var store = new UploadStore(new DataDirectory(Options.Create(new StorageOptions { DataDir = _root })));
        const int Writers = 8;
        // Rounds of writers released together on their own threads (not the pool, which may start them one by one).
        for (var round = 0; round < 20; round++)
        {
            var bytes = new byte[64 * 1024];
            new Random(round).NextBytes(bytes);
            using var barrier = new Barrier(Writers);
            var ids = new string?[Writers];
            var errors = new Exception?[Writers];
            var threads = Enumerable.Range(0, Writers).Select(w => new Thread(() =>
            {
                barrier.SignalAndWait();
                try
                {
                    ids[w] = store.Save(bytes, "image/png");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    errors[w] = e;
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            Assert.All(errors, e => Assert.Null(e));
            var id = Assert.Single(ids.Distinct())!;
            Assert.Equal(bytes, store.Read(id));
        }
        Assert.Equal(20, Directory.EnumerateFiles(store.Folder).Count());
        Assert.DoesNotContain(Directory.EnumerateFiles(store.Folder), f => f.EndsWith(".partial", StringComparison.Ordinal));
    }
}
