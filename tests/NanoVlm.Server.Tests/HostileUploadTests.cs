using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using NanoVlm.Engine.Tests.Vision.HostileFiles;
using NanoVlm.Engine.Vision;
using Xunit.Abstractions;

namespace NanoVlm.Server.Tests;

/// <summary>The hostile upload corpus posted to POST /api/ask of the real server, configured with the corpus's limits.</summary>
public sealed class HostileUploadTests(HostileUploadTests.CorpusLimitsFactory factory, ITestOutputHelper output) : IClassFixture<HostileUploadTests.CorpusLimitsFactory>
{
    public sealed class CorpusLimitsFactory : DashboardFactoryBase
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            var limits = HostileFileCorpus.Limits;
            builder.UseSetting("Inference:MaxUploadMegabytes", (limits.MaxBytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Inference:MaxUploadMegapixels", (limits.MaxPixels / 1_000_000).ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Inference:DecoderAllocationMegabytes", limits.AllocationLimitMegabytes.ToString(CultureInfo.InvariantCulture));
        }
    }

    private string UploadsFolder => Path.Combine(factory.DataDir, "uploads");

    [Fact]
    public async Task EveryHostileFileGetsItsStatusAndLeavesNothingBehindWithinTheMemoryBudget()
    {
        using var client = factory.CreateClient();
        client.Timeout = TimeSpan.FromMinutes(5);
        // Warm up: the model is loaded and the pipeline JIT-compiled before memory is measured.
        using (var warmUp = await client.PostAsync("/api/ask", Form(HostileFileCorpus.Get("png-named-jpg"))))
        {
            Assert.Equal(HttpStatusCode.OK, warmUp.StatusCode);
        }
        var (managedBefore, workingSetBefore) = MemoryNow();

        var problems = new List<string>();
        foreach (var file in HostileFileCorpus.All)
        {
            var uploadsBefore = UploadFiles();
            using var response = await client.PostAsync("/api/ask", Form(file));
            var body = await response.Content.ReadAsStringAsync();
            switch (file.Expected)
            {
                case Accepted when response.StatusCode != HttpStatusCode.OK:
                    problems.Add($"{file.Name}: {(int)response.StatusCode} instead of 200: {body}");
                    break;
                case Rejected rejected:
                    var expectedStatus = StatusFor(rejected.Reason);
                    if (response.StatusCode != expectedStatus)
                    {
                        problems.Add($"{file.Name}: {(int)response.StatusCode} instead of {(int)expectedStatus}: {body}");
                        break;
                    }
                    if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    {
                        problems.Add($"{file.Name}: answered {response.Content.Headers.ContentType} instead of a problem detail");
                        break;
                    }
                    using (var problem = JsonDocument.Parse(body))
                    {
                        var detail = problem.RootElement.GetProperty("detail").GetString() ?? "";
                        if (!detail.Contains(rejected.MessageFragment, StringComparison.Ordinal))
                        {
                            problems.Add($"{file.Name}: detail '{detail}' does not mention '{rejected.MessageFragment}'");
                        }
                    }
                    if (!UploadFiles().SetEquals(uploadsBefore))
                    {
                        problems.Add($"{file.Name}: was refused but the uploads folder changed ({string.Join(", ", UploadFiles().Except(uploadsBefore))})");
                    }
                    break;
            }
        }
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.DoesNotContain(UploadFiles(), name => name.EndsWith(".partial", StringComparison.Ordinal));

        // Still answering, health and questions alike.
        using (var health = await client.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        using (var after = await client.PostAsync("/api/ask", Form(HostileFileCorpus.Get("jpeg-named-png"))))
        {
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }

        // Every decode may hold at most the decoder's allocation limit at a time, and every request at most its
        // upload; what stays behind after the whole corpus must be a small multiple of that, not the bombs' sizes.
        var (managedAfter, workingSetAfter) = MemoryNow();
        var limits = HostileFileCorpus.Limits;
        var allocationLimit = limits.AllocationLimitMegabytes * 1024L * 1024;
        var managedBound = 2 * allocationLimit + 16 * limits.MaxBytes;
        var workingSetBound = 8 * allocationLimit + 16 * limits.MaxBytes;
        output.WriteLine($"{HostileFileCorpus.All.Count} files: managed {Mb(managedAfter - managedBefore)} MB (bound {Mb(managedBound)}), " +
            $"working set {Mb(workingSetAfter - workingSetBefore)} MB (bound {Mb(workingSetBound)})");
        Assert.True(managedAfter - managedBefore < managedBound,
            $"managed memory grew by {Mb(managedAfter - managedBefore)} MB over the corpus; the bound is {Mb(managedBound)} MB");
        Assert.True(workingSetAfter - workingSetBefore < workingSetBound,
            $"the working set grew by {Mb(workingSetAfter - workingSetBefore)} MB over the corpus; the bound is {Mb(workingSetBound)} MB");
    }

    [Fact]
    public async Task MalformedMultipartIsABadRequestNotAServerError()
    {
        using var client = factory.CreateClient();
        using var content = new StringContent("--xyz\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\nnot finished", System.Text.Encoding.ASCII);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=xyz");
        using var response = await client.PostAsync("/api/ask", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static HttpStatusCode StatusFor(ImageRejectionReason reason) => reason switch
    {
        ImageRejectionReason.TooLarge or ImageRejectionReason.TooManyPixels => HttpStatusCode.RequestEntityTooLarge,
        ImageRejectionReason.NotAnImage or ImageRejectionReason.UnsupportedFormat => HttpStatusCode.UnsupportedMediaType,
        _ => HttpStatusCode.BadRequest,
    };

    private static MultipartFormDataContent Form(HostileFile file) => new()
    {
        { new ByteArrayContent(file.Bytes), "image", file.FileName },
        { new StringContent("What is the total?"), "question" },
        { new StringContent("tiny"), "model" },
        { new StringContent("1"), "max_new_tokens" },
    };

    private HashSet<string> UploadFiles() =>
        Directory.Exists(UploadsFolder) ? [.. Directory.EnumerateFiles(UploadsFolder).Select(Path.GetFileName).OfType<string>()] : [];

    private static (long Managed, long WorkingSet) MemoryNow()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture);
}
