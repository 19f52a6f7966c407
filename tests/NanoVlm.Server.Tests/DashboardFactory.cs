using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace NanoVlm.Server.Tests;

/// <summary>The real server in-process, on its own temporary data folder.</summary>
public class DashboardFactoryBase : WebApplicationFactory<Program>
{
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "nanovlm-tests", Guid.NewGuid().ToString("N"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Storage:DataDir", DataDir);
        builder.UseSetting("Engine:Threads", "1");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
        GC.SuppressFinalize(this);
    }
}

/// <summary>The real server with default settings.</summary>
public sealed class DashboardFactory : DashboardFactoryBase;
