using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;

namespace NanoVlm.E2E.Tests;

/// <summary>
/// The real server on a free loopback port (Kestrel, not the in-memory test server) and a headless
/// Debian Chromium driven by Playwright. Playwright cannot download its own browser here.
/// </summary>
public class LiveDashboard : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "nanovlm-e2e", Guid.NewGuid().ToString("N"));
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public Uri BaseAddress => ClientOptions.BaseAddress;

    /// <summary>A new tab with generous timeouts (the machine is shared and slow under a full test run).</summary>
    public async Task<IPage> NewPageAsync(int width = 1400, int height = 1000)
    {
        var page = await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        page.SetDefaultTimeout(60_000);
        page.SetDefaultNavigationTimeout(60_000);
        return page;
    }

    /// <summary>The upload limit the browser tests run under (the product's default is 20 MB).</summary>
    public const int MaxUploadMegabytes = 2;

    public static string ChromiumPath => Environment.GetEnvironmentVariable("NANOVLM_CHROMIUM") ?? "/usr/bin/chromium";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Storage:DataDir", _dataDir);
        builder.UseSetting("Engine:Threads", "1");
        // A small upload limit, so the oversized-file test hands the browser 3 MB instead of 21: on a loaded 2-core
        // machine copying 21 MB into the page stalled the browser long enough for the Blazor circuit to drop.
        builder.UseSetting("Inference:MaxUploadMegabytes", MaxUploadMegabytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ConfigureSettings(builder);
    }

    /// <summary>Settings a variant of the dashboard adds (an access token, say).</summary>
    protected virtual void ConfigureSettings(IWebHostBuilder builder)
    {
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"No Chromium at {ChromiumPath}. Install Debian's package (apt-get install chromium) or set NANOVLM_CHROMIUM; ./test.sh does this when run as root.");
        }
        // CI runs the other test projects at the same time on two cores: be patient, never flaky.
        Assertions.SetDefaultExpectTimeout(30_000);
        UseKestrel(0);
        StartServer();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // The machine has no network beyond package registries: keep Chromium from phoning home.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
        await DisposeAsync();
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}
