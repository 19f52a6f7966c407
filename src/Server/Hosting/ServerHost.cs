using System.Text.Json.Serialization;
using MudBlazor.Services;
using NanoVlm.Client;
using NanoVlm.Server.Access;
using NanoVlm.Server.Endpoints;
using NanoVlm.Server.Engine;
using NanoVlm.Server.Inference;
using NanoVlm.Server.Live;
using NanoVlm.Server.Monitoring;
using NanoVlm.Server.Runs;
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
        builder.Services.AddExternalEngines(builder.Configuration);
        builder.Services.AddMonitoring();
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            ApiJson.Configure(options.SerializerOptions);
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });
        builder.Services.AddAccessControl(builder.Configuration);
        // Snackbars at the bottom left, over the navigation drawer's empty lower part: at the top right (MudBlazor's
        // default) they covered the playground's question field.
        builder.Services.AddMudServices(mud => mud.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomLeft);
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();

        var app = builder.Build();
        // Refuses to listen beyond loopback without an access token (read here, with every configuration source in).
        AccessStartupCheck.Ensure(app.Configuration);
        app.UseSecurityHeaders();
        // Problem details without stack traces, in every environment (Development's exception page, which the host
        // adds only when ASPNETCORE_ENVIRONMENT=Development, sits outside this handler and never sees an exception).
        app.UseExceptionHandler();
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAccessGate();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapLoginEndpoints();
        app.MapLogoutEndpoints();
        app.MapHealthEndpoint();
        app.MapRunsEndpoints();
        app.MapMetricsExport();
        app.MapAskEndpoint();
        app.MapEvaluationsEndpoints();
        app.MapHub<RunsHub>(RunsHub.Path);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
