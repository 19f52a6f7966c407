using NanoVlm.Client.Services;
using NanoVlm.Server.Hosting;

namespace NanoVlm.Server.Live;

public static class LiveServiceCollectionExtensions
{
    public static IServiceCollection AddLiveUpdates(this IServiceCollection services)
    {
        services.AddSignalR().AddJsonProtocol(options => ApiJson.Configure(options.PayloadSerializerOptions));
        services.AddSingleton<RunUpdatePublisher>();
        services.AddSingleton<IRunUpdates>(provider => provider.GetRequiredService<RunUpdatePublisher>());
        services.AddHostedService<RunsHubForwarder>();
        return services;
    }
}
