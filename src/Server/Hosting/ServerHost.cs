using MudBlazor.Services;
using NanoVlm.Client;
using NanoVlm.Server.Endpoints;
using NanoVlm.Server.Live;
using NanoVlm.Server.Monitoring;
using NanoVlm.Server.Playground;
using NanoVlm.Server.Runs;
using NanoVlm.Server.Services;
using NanoVlm.Server.Storage;

namespace NanoVlm.Server.Hosting;

/// <summary>Builds and runs the dashboard's web host.</summary>
public static class ServerHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppConfiguration.ContentRoot,
            WebRootPath = AppConfiguration.WebRoot,
        });
        // Serves MudBlazor's and Blazor's assets from a plain build output too, not only after publish
        // (a no-op when the manifest is absent, as in a published folder).
        builder.WebHost.UseStaticWebAssets();

        builder.Services.AddEngine(builder.Configuration);
        builder.Services.AddStorage(builder.Configuration);
        builder.Services.AddLiveUpdates();
        builder.Services.AddInference(builder.Configuration);
        builder.Services.AddTrainingRuns();
        builder.Services.AddMonitoring();
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(options => ApiJson.Configure(options.SerializerOptions));
        builder.Services.AddMudServices();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();

        var app = builder.Build();
        // Problem details without stack traces, in every environment.
        app.UseExceptionHandler();
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapHealthEndpoint();
        app.MapRunsEndpoints();
        app.MapMetricsExport();
        app.MapAskEndpoint();
        app.MapHub<RunsHub>(RunsHub.Path);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
