using System.Security.Claims;
using NanoVlm.Server.Live;

namespace NanoVlm.Server.Access;

/// <summary>
/// With an access token configured, lets a request through only when it carries the token: API and hub clients as
/// <c>Authorization: Bearer TOKEN</c> (hub clients over WebSockets or server-sent events may use the
/// <c>access_token</c> query parameter instead, since browsers cannot set headers there), the UI as the sign-in cookie
/// that /login issues. The cookie also opens API downloads (GET), so the run page's CSV links work, but never API
/// writes: those need the bearer token. /login, /logout and /healthz stay open. Without a token everything passes.
/// </summary>
public sealed class AccessGateMiddleware(RequestDelegate next, AccessToken token, FailedAttemptLimiter limiter, ILogger<AccessGateMiddleware> logger)
{
    public const string AccessTokenQueryParameter = "access_token";

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!token.IsConfigured)
        {
            await next(context);
            return;
        }
        var request = context.Request;
        var path = request.Path;
        var isOpen = path.StartsWithSegments(LoginEndpoints.Path) || path.StartsWithSegments(LogoutEndpoints.Path) || path.StartsWithSegments("/healthz");
        var isMachineEndpoint = path.StartsWithSegments("/api") || path.StartsWithSegments(RunsHub.Path);
        var client = ClientAddress.Of(context);

        var viaBearer = false;
        if (PresentedToken(request) is { } presented)
        {
            if (limiter.IsLockedOut(client))
            {
                logger.RefusedWhileLockedOut(client, path);
                if (!isOpen)
                {
                    await TooManyAttempts(context);
                    return;
                }
            }
            else if (token.Matches(presented.Token))
            {
                viaBearer = true;
                context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "access-token")], "Bearer"));
            }
            else
            {
                logger.WrongToken(client, path, presented.Via);
                if (limiter.RecordFailure(client)) logger.LockedOut(client, limiter.MaxFailures, limiter.Window);
                if (!isOpen)
                {
                    await Unauthorized(context, "The access token is wrong. Send the token set in Access:Token as 'Authorization: Bearer TOKEN'.");
                    return;
                }
            }
        }
        if (isOpen || viaBearer)
        {
            await next(context);
            return;
        }

        var signedIn = context.User.Identity?.IsAuthenticated == true;
        var safeMethod = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        if (signedIn && (!isMachineEndpoint || safeMethod))
        {
            await next(context);
            return;
        }
        if (isMachineEndpoint)
        {
            await Unauthorized(context, signedIn
                ? "The sign-in cookie only opens downloads; changes through the API need 'Authorization: Bearer TOKEN'."
                : "This server needs its access token: send 'Authorization: Bearer TOKEN' (the value of Access:Token).");
        }
        else if (safeMethod)
        {
            context.Response.Redirect(LoginEndpoints.PathFor(request.PathBase + request.Path + request.QueryString));
        }
        else
        {
            await Unauthorized(context, "Sign in at /login first.");
        }
    }

    private static (string Token, string Via)? PresentedToken(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        if (authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
        {
            return (authorization[bearer.Length..].Trim(), "bearer header");
        }
        if (request.Path.StartsWithSegments(RunsHub.Path) && request.Query.TryGetValue(AccessTokenQueryParameter, out var query) && query.Count > 0)
        {
            return (query.ToString(), "hub query string");
        }
        return null;
    }

    private static Task Unauthorized(HttpContext context, string detail)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Access token required", detail: detail).ExecuteAsync(context);
    }

    private Task TooManyAttempts(HttpContext context)
    {
        context.Response.Headers.RetryAfter = ((int)Math.Ceiling(limiter.Window.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many wrong access tokens",
            detail: $"This address sent {limiter.MaxFailures} wrong tokens; try again after the time in Retry-After (seconds).").ExecuteAsync(context);
    }
}
