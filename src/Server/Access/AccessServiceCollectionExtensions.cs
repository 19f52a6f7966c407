using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using NanoVlm.Client.Services;

namespace NanoVlm.Server.Access;

public static class AccessServiceCollectionExtensions
{
    public static IServiceCollection AddAccessControl(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AccessOptions>().Bind(configuration.GetSection(AccessOptions.Section));
        services.AddSingleton<AccessToken>();
        // The UI's view of it: whether the app bar offers Sign out.
        services.AddSingleton(provider => new AccessMode(provider.GetRequiredService<AccessToken>().IsConfigured));
        services.AddSingleton<FailedAttemptLimiter>();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<AccessOptions>>((cookie, access) =>
            {
                cookie.Cookie.Name = "NanoVlm.Access";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.Cookie.IsEssential = true;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(Math.Max(1, access.Value.SessionHours));
                cookie.SlidingExpiration = true;
                cookie.LoginPath = LoginEndpoints.Path;
                cookie.Events.OnValidatePrincipal = RejectCookiesOfOtherTokens;
            });
        return services;
    }

    /// <summary>The loopback guard, authentication (the sign-in cookie) and the gate; goes before anything that serves content.</summary>
    public static IApplicationBuilder UseAccessGate(this IApplicationBuilder app)
    {
        app.UseMiddleware<LoopbackGuardMiddleware>();
        app.UseAuthentication();
        return app.UseMiddleware<AccessGateMiddleware>();
    }

    // Changing or removing the token signs everyone out.
    private static async Task RejectCookiesOfOtherTokens(CookieValidatePrincipalContext context)
    {
        var token = context.HttpContext.RequestServices.GetRequiredService<AccessToken>();
        var fingerprint = context.Principal?.FindFirst(LoginEndpoints.TokenFingerprintClaim)?.Value;
        if (!token.IsConfigured || fingerprint != token.Fingerprint)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}
